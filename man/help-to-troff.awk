# help-to-troff.awk - turn the text of `ticketlab COMMAND --help` into a
# man(7) page, so the page's synopsis and options are the --help text itself.
#
#   ticketlab probe --help | awk -f help-to-troff.awk -v page=ticketlab-probe \
#       -v section=1 -v version=0.1.0 > ticketlab-probe.1
#
# The help text is laid out as a man page already: section titles in
# capitals at column 0, body indented by 4 spaces. A paragraph whose lines
# are all plain 4-space text is filled; any other paragraph (tables, lists,
# examples) keeps its layout in a no-fill block. In OPTIONS, a line that
# starts with a dash begins a tagged paragraph: the option, then its text.

function esc(s) {
    gsub(/\\/, "\\e", s)
    return s
}
# A text line may not start with a control character of troff.
function line_out(s) {
    s = esc(s)
    if (s ~ /^[.']/) s = "\\&" s
    print s
}
function opt_term(s) {
    s = esc(s)
    gsub(/-/, "\\-", s)
    return s
}
function flush_para(   i, plain, n) {
    n = npara
    if (n == 0) return
    plain = 1
    for (i = 1; i <= n; i++)
        if (para[i] !~ /^    [^ ]/ || substr(para[i], 5) ~ /  /) plain = 0
    if (plain) {
        print ".PP"
        for (i = 1; i <= n; i++) line_out(substr(para[i], 5))
    } else {
        print ".PP"
        print ".nf"
        for (i = 1; i <= n; i++) line_out(substr(para[i], 5))
        print ".fi"
    }
    npara = 0
}
function upper(s) { return toupper(s) }
BEGIN {
    if (page == "" || section == "") { print "help-to-troff.awk: set page and section" > "/dev/stderr"; exit 2 }
    printf ".TH %s %s \"\" \"ticketlab %s\" \"ticketlab manual\"\n", upper(page), section, version
    print ".nh"; print ".ad l"
    npara = 0; sect = ""; inopt = 0
}
/^[A-Z][A-Z ]*$/ {
    flush_para()
    if (inopt) inopt = 0
    sect = $0
    print ".SH " sect
    next
}
sect == "NAME" {
    if ($0 ~ /^ *$/) next
    s = $0; sub(/^ +/, "", s)
    # "ticketlab probe - audit ..." -> "ticketlab-probe \- audit ..."
    if (match(s, / - /)) {
        name = substr(s, 1, RSTART - 1); desc = substr(s, RSTART + 3)
        gsub(/ /, "-", name)
        print esc(name) " \\- " esc(desc)
    } else line_out(s)
    next
}
sect == "SYNOPSIS" {
    if ($0 ~ /^ *$/) { if (syn_open) { print ".fi"; syn_open = 0 }; next }
    if (!syn_open) { print ".nf"; syn_open = 1 }
    line_out(substr($0, 5))
    next
}
sect == "OPTIONS" {
    if ($0 ~ /^ *$/) { flush_para(); next }
    if ($0 ~ /^    -/) {
        flush_para()
        s = substr($0, 5)
        if (match(s, /  +/)) { term = substr(s, 1, RSTART - 1); desc = substr(s, RSTART + RLENGTH) }
        else { term = s; desc = "" }
        print ".TP"
        print ".B " opt_term(term)
        if (desc != "") line_out(desc)
        inopt = 1
        next
    }
    if (inopt && $0 ~ /^     /) { s = $0; sub(/^ +/, "", s); line_out(s); next }
    inopt = 0
    para[++npara] = $0
    next
}
{
    if ($0 ~ /^ *$/) { flush_para(); next }
    para[++npara] = $0
}
END {
    flush_para()
    if (syn_open) print ".fi"
}
