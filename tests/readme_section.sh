#!/bin/sh
# tests/readme_section.sh NAME FILE [--write]: compare (or, with --write, replace) the README
# section between <!-- NAME:begin ...--> and <!-- NAME:end --> with the contents of FILE.
name=$1; file=$2; readme=README.md
awk -v n="$name" -v f="$file" -v w="$3" '
	index($0, "<!-- " n ":begin") == 1 { print; while ((getline l < f) > 0) print l; skip = 1; next }
	index($0, "<!-- " n ":end") == 1 { skip = 0 }
	!skip { print }' "$readme" > "$readme.new"
if [ "$3" = "--write" ]; then mv "$readme.new" "$readme"; exit 0; fi
if cmp -s "$readme" "$readme.new"; then rm -f "$readme.new"; exit 0; fi
diff "$readme" "$readme.new" | head -20; rm -f "$readme.new"; exit 1
