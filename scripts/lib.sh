# Helpers shared by the scripts in this folder; source it after `set -o pipefail`.
#
# Never end a pipeline with `head`: under `pipefail`, the writer is killed by
# SIGPIPE once head exits (exit 141), depending on timing and on how much it
# writes. `awk` reads its whole input, so the writer always finishes.

# The first line of stdin (nothing, and status 0, on empty input).
first_line() {
    awk 'NR == 1'
}

# The first `*.rs` file under a folder, in byte order of path.
first_test_file() {
    find "$1" -name '*.rs' | LC_ALL=C sort | first_line
}

# The first N lines of stdin.
first_lines() {
    awk -v n="$1" 'NR <= n'
}
