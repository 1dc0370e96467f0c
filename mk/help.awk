# mk/help.awk: `make help`. Reads the makefiles, takes every target with a
# `## text` comment, and prints them in the groups of the top Makefile's
# HELP_GROUPS (passed as -v groups="name:t1 t2;name:t3 ..."), aligned, the
# text wrapped to 79 columns under itself. Targets of no group are listed
# last, under "other", sorted.

function wrap(text, width, indent,    n, i, words, line, out) {
    n = split(text, words, " ")
    line = ""
    out = ""
    for (i = 1; i <= n; i++) {
        if (line != "" && length(line) + 1 + length(words[i]) > width) {
            out = out line "\n" indent
            line = words[i]
        } else {
            line = (line == "") ? words[i] : line " " words[i]
        }
    }
    return out line
}

/^[a-zA-Z0-9_.-]+:.*## / {
    name = $0
    sub(/:.*/, "", name)
    text = $0
    sub(/^[^#]*## /, "", text)
    if (!(name in desc)) {
        desc[name] = text
        names[++count] = name
    }
    if (length(name) > widest) {
        widest = length(name)
    }
}

END {
    pad = widest + 2
    indent = sprintf("%" (7 + pad) "s", "")
    width = 79 - length(indent)
    if (width < 30) {
        width = 30
    }
    ngroups = split(groups, group, ";")
    for (g = 1; g <= ngroups; g++) {
        label = group[g]
        sub(/:.*/, "", label)
        sub(/^ +/, "", label)
        members = group[g]
        sub(/^[^:]*:/, "", members)
        n = split(members, member, " ")
        printed = 0
        for (i = 1; i <= n; i++) {
            t = member[i]
            if (!(t in desc) || (t in shown)) {
                continue
            }
            if (!printed) {
                printf "\n%s:\n", label
                printed = 1
            }
            printf "  make %-" pad "s%s\n", t, wrap(desc[t], width, indent)
            shown[t] = 1
        }
    }
    # the rest, sorted (insertion sort: a few names)
    m = 0
    for (i = 1; i <= count; i++) {
        if (!(names[i] in shown)) {
            rest[++m] = names[i]
        }
    }
    for (i = 2; i <= m; i++) {
        v = rest[i]
        for (j = i - 1; j >= 1 && rest[j] > v; j--) {
            rest[j + 1] = rest[j]
        }
        rest[j + 1] = v
    }
    if (m > 0) {
        printf "\nother:\n"
        for (i = 1; i <= m; i++) {
            printf "  make %-" pad "s%s\n", rest[i], wrap(desc[rest[i]], width, indent)
        }
    }
}
