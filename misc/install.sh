#!/bin/sh
# `./nj install` (build.ninja's install edge, written by configure.py):
#   misc/install.sh PREFIX ninja-symlink|no-ninja-symlink
# installs, under $DESTDIR$PREFIX:
#   bin/nj                                  (and bin/ninja -> nj with ninja-symlink)
#   share/man/man1/nj.1
#   share/bash-completion/completions/nj    (and .../ninja -> nj with ninja-symlink)
#   share/zsh/site-functions/_nj            (#compdef nj, and ninja with ninja-symlink)
#   share/doc/nj/README.md, share/doc/nj/DESIGN.md
# Run from the source directory. Every file is written whole: install(1)
# replaces it, so a running nj is never overwritten in place.
set -eu
prefix=$1
symlink=$2
root=${DESTDIR:-}$prefix
case $symlink in
ninja-symlink|no-ninja-symlink) ;;
*) echo "install.sh: second argument must be ninja-symlink or no-ninja-symlink, not '$symlink'" >&2
   exit 1 ;;
esac

install -d "$root/bin" "$root/share/man/man1" \
	"$root/share/bash-completion/completions" \
	"$root/share/zsh/site-functions" "$root/share/doc/nj"
install -m 755 nj "$root/bin/nj"
install -m 644 docs/nj.1 "$root/share/man/man1/nj.1"
install -m 644 misc/bash-completion/nj "$root/share/bash-completion/completions/nj"
install -m 644 README.md docs/DESIGN.md "$root/share/doc/nj/"
if [ "$symlink" = ninja-symlink ]; then
	ln -sf nj "$root/bin/ninja"
	ln -sf nj "$root/share/bash-completion/completions/ninja"
	sed 's/^#compdef nj$/#compdef nj ninja/' misc/zsh/_nj >"$root/share/zsh/site-functions/_nj.tmp"
	chmod 644 "$root/share/zsh/site-functions/_nj.tmp"
	mv -f "$root/share/zsh/site-functions/_nj.tmp" "$root/share/zsh/site-functions/_nj"
else
	install -m 644 misc/zsh/_nj "$root/share/zsh/site-functions/_nj"
fi
echo "installed nj in $root"
