// SPDX-License-Identifier: GPL-2.0
#include "bench.hpp"

#include "util.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

namespace bench {

Figure figure(std::vector<double> samples)
{
	Figure f;
	if (samples.empty())
		return f;
	std::sort(samples.begin(), samples.end());
	f.runs = samples.size();
	f.min = samples.front();
	f.median = samples[samples.size() / 2];
	f.p99 = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
	f.max = samples.back();
	return f;
}

Figure measure(int runs, const std::function<void()> &setup, const std::function<void()> &timed,
	       const std::function<void()> &teardown, double scale)
{
	std::vector<double> samples;
	samples.reserve(static_cast<size_t>(runs));
	for (int i = 0; i < runs; i++) {
		if (setup)
			setup();
		const int64_t t0 = vt::now_ns();
		timed();
		samples.push_back(static_cast<double>(vt::now_ns() - t0) / scale);
		if (teardown)
			teardown();
	}
	return figure(std::move(samples));
}

Figure measure(int runs, const std::function<void()> &timed, double scale)
{
	return measure(runs, {}, timed, {}, scale);
}

namespace {

void record(const nlohmann::json &row)
{
	const char *path = std::getenv("VPIN_BENCH_JSON");
	if (!path || !*path)
		return;
	std::ofstream out(path, std::ios::app);
	out << row.dump() << '\n';
}

} // namespace

Table::Table(std::string section, std::string unit, Columns columns)
	: section_(std::move(section)), unit_(std::move(unit)), columns_(columns)
{
	const bool few = columns_ == Columns::MinMedianMax;
	std::printf("\n%-52s %10s %10s %10s   %s\n", (section_ + ", " + unit_).c_str(),
		    few ? "min" : "", "median", few ? "max" : "p99", "ratio");
}

void Table::row(const std::string &name, const Figure &f, const Figure *ref,
		const std::string &ref_name)
{
	const bool few = columns_ == Columns::MinMedianMax;
	if (few)
		std::printf("%-52s %10.2f %10.2f %10.2f", name.c_str(), f.min, f.median, f.max);
	else
		std::printf("%-52s %10s %10.2f %10.2f", name.c_str(), "", f.median, f.p99);
	nlohmann::json row = {
		{"section", section_}, {"name", name},	   {"unit", unit_},	 {"runs", f.runs},
		{"min", f.min},	       {"median", f.median}, {"p99", f.p99}, {"max", f.max},
		{"kernel", vt::kernel_release()},
	};
	if (ref && ref->median > 0) {
		const double ratio = f.median / ref->median;
		std::printf("   %6.2fx %s", ratio, ref_name.c_str());
		row["ratio"] = ratio;
		row["reference"] = ref_name;
	}
	std::printf("\n");
	std::fflush(stdout);
	record(row);
}

void Table::note(const std::string &name, const std::string &why)
{
	std::printf("%-52s %s\n", name.c_str(), why.c_str());
	std::fflush(stdout);
	record({{"section", section_}, {"name", name}, {"note", why}, {"kernel", vt::kernel_release()}});
}

void heading(const std::string &what)
{
	std::printf("%s (%s, TCG)\n", what.c_str(), vt::kernel_release().c_str());
}

int run(const char *program, const std::function<void()> &body)
{
	try {
		body();
		return 0;
	} catch (const std::exception &e) {
		std::fprintf(stderr, "%s: %s\n", program, e.what());
		return 1;
	}
}

} // namespace bench
