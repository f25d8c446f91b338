// SPDX-License-Identifier: GPL-2.0
#include "tap.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace tap {

std::vector<Test> &registry()
{
	static std::vector<Test> tests;
	return tests;
}

void fail(const std::string &what, const char *file, int line)
{
	throw Failure(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

void note(const std::string &msg)
{
	std::printf("# %s\n", msg.c_str());
	std::fflush(stdout);
}

std::string errno_name(int err)
{
	const char *name = strerrorname_np(err);
	return std::string(name ? name : "E?") + " (" + std::strerror(err) + ")";
}

namespace {

// Exit codes of the child running one test.
constexpr int exit_pass = 0;
constexpr int exit_fail = 1;
constexpr int exit_skip = 77;

int run_child(const Test &t, int report_fd)
{
	alarm(t.timeout_s);
	try {
		t.fn();
		return exit_pass;
	} catch (const Skip &s) {
		dprintf(report_fd, "%s", s.what());
		return exit_skip;
	} catch (const std::exception &e) {
		dprintf(report_fd, "%s", e.what());
		return exit_fail;
	}
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<const Test *> selected;
	for (const auto &t : registry()) {
		bool want = argc < 2;
		for (int i = 1; i < argc; i++)
			want = want || t.name.find(argv[i]) != std::string::npos;
		if (want)
			selected.push_back(&t);
	}

	std::printf("1..%zu\n", selected.size());
	std::fflush(stdout);
	int failed = 0;
	unsigned n = 0;
	for (const Test *t : selected) {
		n++;
		int pipefd[2];
		if (pipe(pipefd) < 0) {
			std::perror("pipe");
			return 2;
		}
		pid_t pid = fork();
		if (pid < 0) {
			std::perror("fork");
			return 2;
		}
		if (pid == 0) {
			close(pipefd[0]);
			std::fflush(stdout);
			_exit(run_child(*t, pipefd[1]));
		}
		close(pipefd[1]);
		std::string reason;
		char buf[512];
		ssize_t got;
		while ((got = read(pipefd[0], buf, sizeof(buf))) > 0)
			reason.append(buf, static_cast<size_t>(got));
		close(pipefd[0]);
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == exit_pass) {
			std::printf("ok %u - %s\n", n, t->name.c_str());
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == exit_skip) {
			std::printf("ok %u - %s # SKIP %s\n", n, t->name.c_str(), reason.c_str());
		} else {
			failed++;
			if (WIFSIGNALED(status))
				reason = std::string("killed by signal ") + strsignal(WTERMSIG(status)) +
					 (WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
			std::printf("not ok %u - %s\n# %s\n", n, t->name.c_str(), reason.c_str());
		}
		std::fflush(stdout);
	}
	return failed ? 1 : 0;
}

} // namespace tap

// Weak: a program of its own (a benchmark) may bring its main().
__attribute__((weak)) int main(int argc, char **argv)
{
	return tap::main(argc, argv);
}
