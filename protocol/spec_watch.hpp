#pragma once
// When `rt serve --watch` reloads its spec: a small pure policy fed with the file's content at each
// poll (injected clock). The content is compared, not the inode or the mtime: editors replace a
// file by writing a new one and renaming it over the old, and a save may land in several writes.
//
//   poll(content, now)                         → result
//   unreadable (nullopt: mid-rename, deleted)  → nothing; the state is kept
//   same as the last text handed out            → nothing (also resets a pending change)
//   differs from the pending candidate          → nothing; it becomes the candidate, timed from now
//   the candidate, stable for >= settle_ms      → the text (handed out once)
#include <cstdint>
#include <optional>
#include <string>

namespace rt::proto {

class spec_watch {
public:
    // 200 ms: longer than an editor's write-then-rename or a multi-write save, short enough that
    // a reload feels immediate.
    static constexpr std::int64_t default_settle_ms = 200;
    // 100 ms between polls: a spec file is a few KB, and reading it 10 times a second costs nothing.
    static constexpr std::int64_t default_poll_ms = 100;

    // `current`: the text the server runs now (nothing is handed out until the file differs).
    explicit spec_watch(std::string current, std::int64_t settle_ms = default_settle_ms)
        : handed_(std::move(current)), settle_ms_(settle_ms) {}

    // The text to reload, once the file's content differs from the last one handed out and has
    // stayed the same for settle_ms; nullopt otherwise.
    std::optional<std::string> poll(const std::optional<std::string>& content, std::int64_t now_ms);

    // The server runs `text` now (a SIGHUP reload read it): the watch compares against it.
    void ran(std::string text) { handed_ = std::move(text); candidate_.reset(); }

private:
    std::string handed_;
    std::optional<std::string> candidate_;
    std::int64_t since_ms_ = 0;
    std::int64_t settle_ms_;
};

}  // namespace rt::proto
