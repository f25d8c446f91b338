// SPDX-License-Identifier: GPL-2.0
#include "snapshot.hpp"

#include <sstream>
#include <string>

namespace pintop {

namespace {

using vpin::print::Format;

template <typename T>
nlohmann::ordered_json array(const std::vector<T> &items)
{
    auto out = nlohmann::ordered_json::array();
    for (const auto &item : items)
        out.push_back(vpin::print::json(vpin::print::record(item)));
    return out;
}

} // namespace

nlohmann::ordered_json json_snapshot(const vpin::State &state, const Host &host, vpin::State::Time now,
                                     vpin::print::Time wall, std::uint64_t events_after)
{
    auto doc = nlohmann::ordered_json::object();
    doc["time"] = vpin::print::timestamp(wall, Format::json);
    doc["status"] = vpin::print::json(vpin::print::record(state.status()));
    doc["pind"] = host.pind;
    doc["sessions"] = array(state.sessions());
    auto pins = nlohmann::ordered_json::array();
    for (const auto &row : state.pins({}, {}, now))
        pins.push_back(vpin::print::json(vpin::print::record(row.pin)));
    doc["pins"] = std::move(pins);
    auto leases = nlohmann::ordered_json::array();
    for (const auto &row : state.leases({}, {}, now))
        leases.push_back(vpin::print::json(vpin::print::record(row.lease)));
    doc["leases"] = std::move(leases);
    // As 'pinctl policy show -j' prints it.
    std::ostringstream policy;
    vpin::print::policy(policy, state.policy(), Format::json);
    doc["policy"] = nlohmann::ordered_json::parse(policy.str());
    auto usage = nlohmann::ordered_json::array();
    for (const auto &[uid, use] : state.usage())
        usage.push_back(vpin::print::json(vpin::print::record(use, vpin::user_name(uid))));
    doc["usage"] = std::move(usage);
    // As 'pinctl monitor -t -j' prints them.
    auto events = nlohmann::ordered_json::array();
    for (const auto &received : state.events_since(events_after)) {
        std::ostringstream line;
        vpin::print::event(line, received.event, Format::json, received.time);
        events.push_back(nlohmann::ordered_json::parse(line.str()));
    }
    doc["events"] = std::move(events);
    return doc;
}

void text_snapshot(std::ostream &out, const vpin::State &state, const Host &host, vpin::State::Time now,
                   std::uint64_t events_after)
{
    for (const auto &line : header(state, host, now))
        out << line << '\n';
    for (std::size_t t = 0; t < tab_count; t++) {
        View view{static_cast<Tab>(t)};
        view.events_after(events_after);
        view.update(state, now);
        out << '\n' << tab_name(view.tab()) << '\n' << titles(layout(view.tab()), 0) << '\n';
        for (const auto &row : view.rows(state, now, 0, view.size()))
            out << fit(row, 0) << '\n';
    }
}

} // namespace pintop
