// SPDX-License-Identifier: GPL-2.0
// What the benchmark programs share: repeated timing, the figures of a set
// of samples, and the table they are printed in. Each row is also appended
// as one JSON object per line to the file named by VPIN_BENCH_JSON, if set
// (tests/bench/guest collects them into build/bench/KERNEL.json).
#ifndef VPIN_BENCH_HPP
#define VPIN_BENCH_HPP

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace bench {

// Figures of a set of samples, in the unit they were taken in.
struct Figure {
	size_t runs = 0;
	double min = 0, median = 0, p99 = 0, max = 0;
};

Figure figure(std::vector<double> samples);

// Times timed() runs times, each between setup() and teardown(), untimed;
// the samples are in milliseconds (scale 1e6) or microseconds (1e3).
Figure measure(int runs, const std::function<void()> &setup, const std::function<void()> &timed,
	       const std::function<void()> &teardown = {}, double scale = 1e6);
Figure measure(int runs, const std::function<void()> &timed, double scale = 1e6);

// A table of figures: min/median/max for few runs, median/p99 for many.
class Table {
public:
	enum class Columns { MinMedianMax, MedianP99 };
	Table(std::string section, std::string unit, Columns columns);

	// A row; with a reference, the ratio of the medians is printed too.
	void row(const std::string &name, const Figure &f, const Figure *ref = nullptr,
		 const std::string &ref_name = {});
	// A row that says why there is no figure.
	void note(const std::string &name, const std::string &why);

private:
	std::string section_, unit_;
	Columns columns_;
};

// The program's name and kernel in a heading line.
void heading(const std::string &what);

// Runs body, reporting an exception as a failure: the exit status.
int run(const char *program, const std::function<void()> &body);

} // namespace bench

#endif
