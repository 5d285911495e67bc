#!/usr/bin/env bash
# Installs the release build as a system service (README "Operating it"):
#   /opt/ephemeral-p2p/          the server, its hashed file names, the site's files, this README
#   /etc/systemd/system/         ops/ephemeral-p2p.service, as ephemeral-p2p.service and as
#                                the template ephemeral-p2p@.service (several nodes on one machine)
#   /etc/ephemeral-p2p/          ephemeral-p2p.env, the settings (an example; never overwritten)
# Run as root after `cargo leptos build --release --precompress --split` (or
# scripts/serve.sh); then `systemctl enable --now ephemeral-p2p`. Running it
# again upgrades: `systemctl restart ephemeral-p2p` picks the new build up.
# DESTDIR=/some/dir installs under that folder instead (to inspect or package).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=${DESTDIR:-}
if [[ ! -x target/release/ephemeral_p2p || ! -d target/site/pkg ]]; then
  echo "install.sh: no release build: run cargo leptos build --release --precompress --split first" >&2
  exit 1
fi

opt="$dest/opt/ephemeral-p2p"
install -d -m 0755 "$opt" "$dest/etc/systemd/system" "$dest/etc/ephemeral-p2p"
install -m 0755 target/release/ephemeral_p2p "$opt/ephemeral_p2p.new"
[[ -f target/release/hash.txt ]] && install -m 0644 target/release/hash.txt "$opt/hash.txt"
# The site's files: the new ones beside the old, then swapped in one rename.
rm -rf "$opt/site.new"
cp -R target/site "$opt/site.new"
# A tab still open on the release before loads its lazy parts (and its
# script) later, under their old names: those files stay beside the new
# ones for one release. pkg/.carried lists what was carried over, so an
# upgrade keeps only its predecessor's files, never older ones.
if [[ -d $opt/site/pkg ]]; then
  : > "$opt/site.new/pkg/.carried"
  for old in "$opt/site/pkg"/*; do
    name=${old##*/}
    [[ -f $old && ! -e $opt/site.new/pkg/$name ]] || continue
    if [[ -f $opt/site/pkg/.carried ]] && grep -qxF -- "$name" "$opt/site/pkg/.carried"; then
      continue
    fi
    cp -p "$old" "$opt/site.new/pkg/$name"
    printf '%s\n' "$name" >> "$opt/site.new/pkg/.carried"
  done
fi
chmod -R u=rwX,go=rX "$opt/site.new"
rm -rf "$opt/site.old"
[[ -d $opt/site ]] && mv "$opt/site" "$opt/site.old"
mv "$opt/site.new" "$opt/site"
rm -rf "$opt/site.old"
mv -f "$opt/ephemeral_p2p.new" "$opt/ephemeral_p2p"
install -m 0644 README.md "$opt/README.md"

for name in ephemeral-p2p.service ephemeral-p2p@.service; do
  install -m 0644 ops/ephemeral-p2p.service "$dest/etc/systemd/system/$name"
done
if [[ ! -e $dest/etc/ephemeral-p2p/ephemeral-p2p.env ]]; then
  install -m 0644 ops/ephemeral-p2p.env "$dest/etc/ephemeral-p2p/ephemeral-p2p.env"
fi

if [[ -z $dest && -d /run/systemd/system ]]; then
  systemctl daemon-reload
fi
echo "installed under ${dest:-/}: edit /etc/ephemeral-p2p/ephemeral-p2p.env, then systemctl enable --now ephemeral-p2p"
