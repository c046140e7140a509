#pragma once
// A value or a typed error, without exceptions (C++17 has no std::expected).
#include <cassert>
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

}  // namespace rt
