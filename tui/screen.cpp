// SPDX-License-Identifier: GPL-2.0
#include "screen.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <curses.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace pintop {

namespace {

// How each slot looks: in colour (foreground, background, attributes; -1
// is the terminal's default colour) and in monochrome.
struct Look {
    short fg;
    short bg;
    attr_t attr;
    attr_t mono;
};

constexpr std::size_t slot_count = static_cast<std::size_t>(Slot::count_);

// In the order of enum Slot, one for each.
constexpr auto looks = std::to_array<Look>({
    /* normal */ {-1, -1, A_NORMAL, A_NORMAL},
    /* title */ {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    /* header */ {-1, -1, A_NORMAL, A_NORMAL},
    /* tab */ {-1, -1, A_NORMAL, A_NORMAL},
    /* tab_active */ {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD},
    /* column */ {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE},
    /* column_sorted */ {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE},
    /* selected */ {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    /* dim */ {COLOR_BLUE, -1, A_BOLD, A_DIM},
    /* breaking */ {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    /* orphaned */ {COLOR_MAGENTA, -1, A_NORMAL, A_UNDERLINE},
    /* event_pin */ {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    /* event_lease */ {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    /* event_revoked */ {COLOR_RED, -1, A_BOLD, A_BOLD},
    /* event_policy */ {COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    /* event_denied */ {COLOR_RED, -1, A_NORMAL, A_UNDERLINE},
    /* bar_low */ {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    /* bar_mid */ {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    /* bar_high */ {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    /* status */ {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    /* warning */ {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    /* prompt */ {COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE | A_BOLD},
    /* pane */ {COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_NORMAL},
});
static_assert(looks.size() == slot_count);

// The attributes each slot draws with, once colours are known.
std::array<attr_t, slot_count> attrs{};

constexpr int header_rows = 3;             // header() lines
constexpr int table_top = header_rows + 2; // then the tab bar and the column titles

attr_t look(Slot slot)
{
    return attrs[static_cast<std::size_t>(slot)];
}

int width()
{
    return std::max(COLS, 1);
}

// `text` at (y, x) in `slot`, cut at the right edge; with `fill`, the rest
// of the line is painted in the slot too.
void put(int y, int x, const std::string &text, Slot slot, bool fill = false)
{
    if (y < 0 || y >= LINES || x >= width())
        return;
    const int room = width() - x;
    attrset(look(slot));
    mvaddnstr(y, x, text.c_str(), std::min(static_cast<int>(text.size()), room));
    if (fill) {
        const int used = std::min(static_cast<int>(text.size()), room);
        if (used < room)
            mvhline(y, x + used, ' ', room - used);
    }
    attrset(A_NORMAL);
}

void tab_bar(int y, const View &view)
{
    move(y, 0);
    clrtoeol();
    int x = 0;
    for (std::size_t t = 0; t < tab_count; t++) {
        const auto tab = static_cast<Tab>(t);
        const std::string label = fmt::format(" {} {} ", t + 1, tab_name(tab));
        put(y, x, label, tab == view.tab() ? Slot::tab_active : Slot::tab);
        x += static_cast<int>(label.size()) + 1;
    }
    // The sort column is the highlighted title.
    std::string state;
    if (view.sort_column() && view.sort().descending)
        state += " desc";
    if (!view.filter().empty())
        state += " /" + view.filter();
    if (view.tree() && view.tab() == Tab::sessions)
        state += " tree";
    put(y, x + 1, state, Slot::header);
}

void column_titles(int y, const View &view)
{
    const Layout &columns = layout(view.tab());
    put(y, 0, titles(columns, static_cast<std::size_t>(width())), Slot::column, true);
    if (const auto column = view.sort_column()) {
        const auto x = static_cast<int>(column_offset(columns, *column));
        const auto &c = columns[*column];
        const std::string title{c.title};
        // Numbers' titles align right as their cells do.
        const int shift = c.right && c.width > title.size() ? static_cast<int>(c.width - title.size()) : 0;
        put(y, x + shift, title, Slot::column_sorted);
    }
}

// A boxed pane of lines over the table; `warnings` lines from `first_warning`
// on are drawn as a warning.
void pane(const std::vector<std::string> &lines, const std::string &title, std::size_t first_warning = 0,
          std::size_t warnings = 0)
{
    std::size_t wide = title.size() + 4;
    for (const auto &line : lines)
        wide = std::max(wide, line.size() + 4);
    const int w = std::min(static_cast<int>(wide), width());
    const int h = std::min(static_cast<int>(lines.size()) + 2, std::max(LINES - table_top, 3));
    const int y0 = table_top;
    const int x0 = std::max((width() - w) / 2, 0);
    for (int y = 0; y < h; y++)
        put(y0 + y, x0, std::string(static_cast<std::size_t>(w), ' '), Slot::pane);
    attrset(look(Slot::pane));
    mvaddch(y0, x0, ACS_ULCORNER);
    mvhline(y0, x0 + 1, ACS_HLINE, w - 2);
    mvaddch(y0, x0 + w - 1, ACS_URCORNER);
    mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
    mvhline(y0 + h - 1, x0 + 1, ACS_HLINE, w - 2);
    mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
    mvvline(y0 + 1, x0, ACS_VLINE, h - 2);
    mvvline(y0 + 1, x0 + w - 1, ACS_VLINE, h - 2);
    attrset(A_NORMAL);
    put(y0, x0 + 2, title, Slot::pane);
    for (int i = 0; i + 2 < h && static_cast<std::size_t>(i) < lines.size(); i++) {
        const auto n = static_cast<std::size_t>(i);
        std::string line = lines[n];
        if (static_cast<int>(line.size()) > w - 4)
            line.resize(static_cast<std::size_t>(std::max(w - 4, 0)));
        const bool warning = n >= first_warning && n < first_warning + warnings;
        put(y0 + 1 + i, x0 + 2, line, warning ? Slot::warning : Slot::pane);
    }
}

// The form: its fields, pind's answer to the last try, the keys.
void form_pane(const Form &form)
{
    auto lines = form.lines();
    const std::size_t first_warning = lines.size();
    std::size_t warnings = 0;
    std::string rest = form.error;
    // Long lines wrap to the screen.
    const auto room = static_cast<std::size_t>(std::max(width() - 6, 20));
    while (!rest.empty()) {
        const auto newline = rest.find('\n');
        const std::string line = rest.substr(0, newline);
        for (std::size_t at = 0; at < line.size(); at += room, warnings++)
            lines.push_back(line.substr(at, room));
        rest = newline == std::string::npos ? std::string{} : rest.substr(newline + 1);
    }
    for (auto &hint : Form::hints())
        lines.push_back(std::move(hint));
    pane(lines, form.title(), first_warning, warnings);
}

std::string hints(const Host &host, Tab tab)
{
    std::string actions;
    if (host.privileged)
        actions = tab == Tab::policy ? "e Edit  a Add  " : "R Revoke  ";
    return fmt::format("h Help  / Filter  t Tree  <> Sort  Enter Detail  {}q Quit", actions);
}

} // namespace

Screen::Screen(bool monochrome)
{
    if (!::isatty(STDIN_FILENO) || !::isatty(STDOUT_FILENO))
        throw std::runtime_error{"standard input and output must be a terminal (or use -b)"};
    if (!initscr())
        throw std::runtime_error{"cannot set up the terminal"};
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);

    const char *no_color = std::getenv("NO_COLOR");
    colour_ = !monochrome && !(no_color && *no_color) && has_colors();
    if (colour_) {
        start_color();
        const bool defaults = use_default_colors() == OK;
        for (std::size_t s = 0; s < slot_count; s++) {
            const auto &l = looks[s];
            const short fg = l.fg < 0 && !defaults ? COLOR_WHITE : l.fg;
            const short bg = l.bg < 0 && !defaults ? COLOR_BLACK : l.bg;
            const auto pair = static_cast<short>(s + 1);
            if (pair < COLOR_PAIRS && init_pair(pair, fg, bg) == OK)
                attrs[s] = static_cast<attr_t>(COLOR_PAIR(pair)) | l.attr;
            else
                attrs[s] = l.mono;
        }
    } else {
        for (std::size_t s = 0; s < slot_count; s++)
            attrs[s] = looks[s].mono;
    }
}

Screen::~Screen()
{
    endwin();
}

std::optional<int> Screen::key()
{
    const int c = getch();
    switch (c) {
    case ERR: return std::nullopt;
    case KEY_UP: return key::up;
    case KEY_DOWN: return key::down;
    case KEY_LEFT: return key::left;
    case KEY_RIGHT: return key::right;
    case KEY_PPAGE: return key::page_up;
    case KEY_NPAGE: return key::page_down;
    case KEY_HOME: return key::home;
    case KEY_END: return key::end;
    case KEY_BTAB: return key::back_tab;
    case KEY_BACKSPACE: return key::backspace;
    case KEY_ENTER:
    case '\r': return key::enter;
    case KEY_RESIZE: return key::resize;
    default: break;
    }
    for (int n = 1; n <= 12; n++) {
        if (c == KEY_F(n))
            return key::f(n);
    }
    return c;
}

void Screen::resize()
{
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0)
        resizeterm(size.ws_row, size.ws_col);
    clearok(stdscr, TRUE);
}

std::size_t Screen::page() const
{
    return static_cast<std::size_t>(std::max(LINES - table_top - 1, 1));
}

void Screen::draw(const vpin::State &state, const View &view, const Context &context, const Host &host,
                  vpin::State::Time now)
{
    erase();
    const auto lines = header(state, host, now);
    for (std::size_t i = 0; i < lines.size() && static_cast<int>(i) < header_rows; i++)
        put(static_cast<int>(i), 0, lines[i], i == 0 ? Slot::title : Slot::header);
    tab_bar(header_rows, view);
    column_titles(header_rows + 1, view);

    const auto w = static_cast<std::size_t>(width());
    int y = table_top;
    for (const auto &row : view.visible(state, now)) {
        if (y >= LINES - 1)
            break;
        const Slot slot = row.selected ? Slot::selected : row.slot;
        put(y, 0, fit(row, w), slot, row.selected || row.item.kind == Kind::heading);
        y++;
    }
    if (view.size() == 0)
        put(table_top, 0, view.filter().empty() ? "(none)" : "(none matches the filter)", Slot::dim);

    switch (context.pane) {
    case Context::Pane::help: pane(help_lines(host.privileged), " Help "); break;
    case Context::Pane::detail: pane(view.detail(state, now), " Detail "); break;
    case Context::Pane::form:
        if (context.form)
            form_pane(*context.form);
        break;
    default: break;
    }

    const int bottom = LINES - 1;
    switch (context.pane) {
    case Context::Pane::filter:
        put(bottom, 0,
            "Filter (path, uid or command; Enter applies, Esc leaves): " + context.filter_input + "_",
            Slot::prompt, true);
        break;
    case Context::Pane::confirm:
        put(bottom, 0, context.confirm ? context.confirm->question : std::string{}, Slot::prompt, true);
        break;
    default:
        if (!context.message.empty())
            put(bottom, 0, context.message, context.warning ? Slot::warning : Slot::status, true);
        else {
            // The position at the right edge, whatever the hints leave.
            const std::string position =
                fmt::format(" {}/{}", view.size() ? view.selected() + 1 : 0, view.size());
            std::string line = hints(host, view.tab());
            const std::size_t room = w > position.size() ? w - position.size() : 0;
            line.resize(room, ' ');
            put(bottom, 0, line + position, Slot::status, true);
        }
        break;
    }
    refresh();
}

} // namespace pintop
