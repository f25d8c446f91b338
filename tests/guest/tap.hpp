// SPDX-License-Identifier: GPL-2.0
// A small TAP producer for the ioctl-based tests that run in the guest.
//
// Every TEST runs in a child process of its own, so a crash, a signal, a
// leaked descriptor or a session left open ends with that test; the parent
// prints "ok N - name" or "not ok N - name" and the reason.  A test may call
// tap::skip("why") when a prerequisite is missing.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tap {

struct Failure : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Skip : std::runtime_error {
	using std::runtime_error::runtime_error;
};

struct Test {
	std::string name;
	std::function<void()> fn;
	unsigned timeout_s;
};

std::vector<Test> &registry();

struct Register {
	Register(std::string name, std::function<void()> fn, unsigned timeout_s = 120)
	{
		registry().push_back({std::move(name), std::move(fn), timeout_s});
	}
};

[[noreturn]] void fail(const std::string &what, const char *file, int line);
[[noreturn]] inline void skip(const std::string &why) { throw Skip(why); }

// Prints a diagnostic line ("# ...") that ends up in the TAP stream.
void note(const std::string &msg);

int main(int argc, char **argv);

std::string errno_name(int err);

} // namespace tap

#define TAP_CAT2(a, b) a##b
#define TAP_CAT(a, b) TAP_CAT2(a, b)

// TEST("name") { body }
#define TEST(...)                                                        \
	static void TAP_CAT(tap_test_, __LINE__)();                          \
	static tap::Register TAP_CAT(tap_reg_, __LINE__)(__VA_ARGS__,       \
							 TAP_CAT(tap_test_, __LINE__)); \
	static void TAP_CAT(tap_test_, __LINE__)()

#define CHECK(expr)                                                      \
	do {                                                             \
		if (!(expr))                                             \
			tap::fail("CHECK(" #expr ") failed", __FILE__, __LINE__); \
	} while (0)

#define CHECK_EQ(a, b)                                                   \
	do {                                                             \
		const auto tap_a = (a);                                  \
		const auto tap_b = (b);                                  \
		if (!(tap_a == tap_b))                                   \
			tap::fail("CHECK_EQ(" #a ", " #b ") failed: " +   \
					  std::to_string(tap_a) + " != " +         \
					  std::to_string(tap_b),                   \
				  __FILE__, __LINE__);                             \
	} while (0)

// The call must succeed (return >= 0); errno is reported otherwise.
#define CHECK_OK(call)                                                   \
	([&]() {                                                         \
		errno = 0;                                               \
		auto tap_r = (call);                                     \
		if (tap_r < 0)                                           \
			tap::fail(std::string(#call " failed: ") +        \
					  tap::errno_name(errno),                  \
				  __FILE__, __LINE__);                             \
		return tap_r;                                            \
	}())

// The call must fail with -1 and exactly this errno.
#define CHECK_ERRNO(call, err)                                           \
	do {                                                             \
		errno = 0;                                               \
		auto tap_r = (call);                                     \
		int tap_e = errno;                                       \
		if (tap_r != -1 || tap_e != (err))                       \
			tap::fail(std::string(#call ": expected ") +      \
					  tap::errno_name(err) + ", got " +        \
					  (tap_r == -1 ? tap::errno_name(tap_e)    \
						       : "success (" +             \
							 std::to_string(tap_r) + ")"), \
				  __FILE__, __LINE__);                             \
	} while (0)
