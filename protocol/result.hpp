#pragma once
// A value or a typed error, without exceptions (C++17 has no std::expected). The one way code
// that can fail says so (docs/architecture.md, "How code fails"):
//   result<T, E>     a value or an error:   `return value;` / `return make_unexpected(err);`
//   result<void, E>  ok or an error:        `return {};`    / `return make_unexpected(err);`
// std::error_code stays on I/O calls only (websocketpp, Asio, POSIX).
#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace rt {

template <class E>
struct unexpected {
    E error;
};
template <class E>
unexpected<E> make_unexpected(E e) { return unexpected<E>{std::move(e)}; }

template <class T, class E>
class result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(unexpected<E> err) : v_(std::in_place_index<1>, std::move(err.error)) {}
    // make_unexpected("text") converts to any error type constructible from it.
    template <class U, class = std::enable_if_t<!std::is_same_v<U, E> && std::is_constructible_v<E, U>>>
    result(unexpected<U> err) : v_(std::in_place_index<1>, E(std::move(err.error))) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const E& error() const { assert(!ok()); return std::get<1>(v_); }
    E& error() { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, E> v_;
};

// Ok or an error. `return {};` is ok; an error converts from unexpected<E> or unexpected<U> like
// result<T, E>'s. There is no value to read: `value()` and `*` do not exist.
template <class E>
class result<void, E> {
public:
    result() = default;
    result(unexpected<E> err) : err_(std::move(err.error)) {}
    template <class U, class = std::enable_if_t<!std::is_same_v<U, E> && std::is_constructible_v<E, U>>>
    result(unexpected<U> err) : err_(E(std::move(err.error))) {}

    bool ok() const { return !err_.has_value(); }
    explicit operator bool() const { return ok(); }

    const E& error() const { assert(!ok()); return *err_; }
    E& error() { assert(!ok()); return *err_; }

private:
    std::optional<E> err_;
};

}  // namespace rt
