// SPDX-License-Identifier: GPL-2.0
#pragma once

#include <vpin/state.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// What pintop shows, as text: the tabs over a vpin::State, their selection,
// scrolling, sort column, filter and session tree, and the formatting of
// their rows. No curses here: the screen draws what this builds, and the
// headless mode prints it.
namespace pintop {

enum class Tab { sessions, pins, leases, events, policy };
inline constexpr std::size_t tab_count = 5;
[[nodiscard]] std::string_view tab_name(Tab tab);

// Named colour slots: what a piece of the screen is. The screen decides how
// each looks (screen.cpp), in colour or in monochrome.
enum class Slot {
    normal,
    title,      // the header's first line
    header,     // the header's other lines
    tab,        // a tab's name in the tab bar
    tab_active, // the current tab
    column,     // column titles
    column_sorted,
    selected, // the selected row
    dim,      // details that matter less (anonymous pins, tree guides)
    breaking, // a lease being broken, its countdown
    orphaned,
    event_pin,
    event_lease,
    event_revoked,
    event_policy,
    event_denied,
    bar_low,
    bar_mid,
    bar_high,
    status,  // the bottom line
    warning, // a message about something that failed or is not allowed
    prompt,  // a question, the filter being typed
    pane,    // the help and detail panes
    count_,
};

// A table column. The last column of a layout takes what is left of the width.
struct Column {
    std::string_view title;
    std::size_t width = 0;
    bool right = false;                    // numbers
    std::optional<vpin::Order> order = {}; // the column can sort the tab
    bool tail = false;                     // cut on the left: a path's end says more
};
using Layout = std::vector<Column>;

// The layouts of the tabs (and of the Policy tab's usage table).
[[nodiscard]] const Layout &layout(Tab tab);
[[nodiscard]] const Layout &usage_layout();

// What a row shows.
enum class Kind { session, pin, lease, event, rule, usage, heading };

// A row's object: sessions by id; pins and leases by session and id;
// events by their sequence number (`session`); rules by position (`id`, 0
// for the defaults, then 1, 2, ...); usage by uid (`id`) and quota
// (`session`: 0 sessions, 1 pinned bytes, 2 leases, 3 exclusive leases).
struct Item {
    Kind kind = Kind::heading;
    std::uint64_t session = 0;
    std::uint32_t id = 0;
    unsigned depth = 0; // in the session tree

    friend bool operator==(const Item &, const Item &) = default;
};

// A formatted row: cells in its layout's columns, or one text (a tree's
// leases and pins; layout null).
struct Row {
    Item item;
    const Layout *layout = nullptr;
    std::vector<std::string> cells;
    Slot slot = Slot::normal;
    bool selected = false;
};

// The "/" filter: "uid:N", "comm:TEXT" or "path:TEXT" test one thing; any
// other text passes a row whose path or command contains it, or whose uid
// it is.
struct Match {
    enum class Field { any, path, uid, comm };
    Field field = Field::any;
    std::string text;
    std::optional<std::uint32_t> uid; // the text as a number

    [[nodiscard]] static Match parse(std::string_view text);
    [[nodiscard]] bool empty() const noexcept { return text.empty(); }
    [[nodiscard]] bool matches(std::optional<std::uint32_t> uid, std::string_view comm,
                               std::string_view path) const;
};

// What the header says besides the model.
struct Host {
    bool pind = false;       // a process named pind runs
    bool privileged = false; // CAP_SYS_ADMIN: sees everything, may act
    bool events = true;      // subscribed to the events group (else polling)
};

// "[#######   ]": `fraction` of `width` cells (brackets included), full
// above 1.
[[nodiscard]] std::string bar(double fraction, std::size_t width);
// A breaking lease's time left: "4.2s", "due" once it is, "?" while it is
// not known; "-" for a lease not being broken.
[[nodiscard]] std::string countdown(const vpin::LeaseRow &row);
// The cells of a row laid out in `width` columns (0: no limit; the last
// column is then whole). Numbers align right; longer cells push the rest.
// A path in the last column that does not fit loses its beginning
// ("...pmem/db").
[[nodiscard]] std::string fit(const Row &row, std::size_t width);
// Column titles, in the same places as the cells.
[[nodiscard]] std::string titles(const Layout &layout, std::size_t width);
// Where column `index` starts in a line fit() makes.
[[nodiscard]] std::size_t column_offset(const Layout &layout, std::size_t index);
// The header: module version and ABI, totals, policy generation, pind, and
// the lease breaks under way with their countdowns.
[[nodiscard]] std::vector<std::string> header(const vpin::State &state, const Host &host,
                                              vpin::State::Time now);

class View {
public:
    explicit View(Tab tab = Tab::sessions);

    [[nodiscard]] Tab tab() const noexcept { return tab_; }
    void set_tab(Tab tab);
    // The next (step 1) or previous (-1) tab, round.
    void next_tab(int step);

    // Rows on a page: what PgUp and PgDn move by and visible() formats.
    void set_page(std::size_t rows);
    [[nodiscard]] std::size_t page() const noexcept { return page_; }

    void up(std::size_t n = 1);
    void down(std::size_t n = 1);
    void page_up() { up(page_); }
    void page_down() { down(page_); }
    void home();
    void end();
    [[nodiscard]] std::size_t selected() const noexcept { return tabs_[index()].selected; }
    [[nodiscard]] std::size_t top() const noexcept { return tabs_[index()].top; }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] std::optional<Item> current() const;
    [[nodiscard]] const std::vector<Item> &items() const noexcept { return items_; }

    // The sort column: the next or previous column of the tab's layout that
    // can sort (false when none can), and the direction.
    bool sort_next(int step);
    void sort_invert();
    [[nodiscard]] vpin::Sort sort() const;
    // Its index in layout(tab()).
    [[nodiscard]] std::optional<std::size_t> sort_column() const;

    void set_filter(std::string text);
    [[nodiscard]] const std::string &filter() const noexcept { return filter_; }

    // Sessions as a tree: each followed by its leases, each lease by its pins,
    // then the session's other pins.
    void toggle_tree();
    [[nodiscard]] bool tree() const noexcept { return tree_; }

    // Events: only those after `seq` (the headless mode prints each once).
    void events_after(std::uint64_t seq);

    // Whether the tab, sort, filter or tree changed since update().
    [[nodiscard]] bool stale() const noexcept { return stale_; }
    // Takes the current tab's objects from the model (filtered, sorted); the
    // selection stays on its object while it is there. Rows that cannot
    // have changed since the last update (vpin::State::changes()) are kept.
    void update(const vpin::State &state, vpin::State::Time now);

    // The rows on the page, formatted as of `now`; only those.
    [[nodiscard]] std::vector<Row> visible(const vpin::State &state, vpin::State::Time now) const;
    // Rows [first, first + count), formatted.
    [[nodiscard]] std::vector<Row> rows(const vpin::State &state, vpin::State::Time now, std::size_t first,
                                        std::size_t count) const;
    // One item, formatted.
    [[nodiscard]] Row format(const vpin::State &state, const Item &item, vpin::State::Time now) const;
    // How many rows were formatted in all.
    [[nodiscard]] std::size_t formatted() const noexcept { return formatted_; }

    // The selected object's lines for the detail pane.
    [[nodiscard]] std::vector<std::string> detail(const vpin::State &state, vpin::State::Time now) const;

private:
    struct TabState {
        std::size_t selected = 0;
        std::size_t top = 0;
        std::size_t sort = 0; // index of the sort column in the layout
        bool descending = false;
        bool follow = true; // the last row is selected: it stays so (Events)
    };

    [[nodiscard]] std::size_t index() const noexcept { return static_cast<std::size_t>(tab_); }
    void clamp();
    void moved();
    [[nodiscard]] bool current_for(const vpin::State &state) const;
    void build_sessions(const vpin::State &state, vpin::State::Time now);
    void build_tree(const vpin::State &state, const std::vector<vpin::Session> &sessions,
                    vpin::State::Time now);
    void build_pins(const vpin::State &state, vpin::State::Time now);
    void build_leases(const vpin::State &state, vpin::State::Time now);
    void build_events(const vpin::State &state);
    void build_policy(const vpin::State &state);
    [[nodiscard]] const std::string &user(std::uint32_t uid) const;

    Tab tab_;
    std::array<TabState, tab_count> tabs_{};
    std::size_t page_ = 20;
    std::string filter_;
    Match match_;
    bool tree_ = false;
    bool stale_ = true;
    std::uint64_t events_after_ = 0;
    std::vector<Item> items_;
    std::optional<Tab> built_; // the tab items_ are of
    std::uint64_t built_changes_ = 0; // and State::changes() then
    mutable std::size_t formatted_ = 0;
    mutable std::map<std::uint32_t, std::string> users_;
};

} // namespace pintop
