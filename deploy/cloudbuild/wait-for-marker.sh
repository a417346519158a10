#!/usr/bin/env bash
# Wait until the previous environment has deployed a commit, that is until the `.deployed`
# marker its deploy leaves (deploy-functions.sh, deploy-image.sh) exists; fail after MINUTES.
#
#   wait-for-marker.sh gs://BUCKET/PATH/COMMIT.deployed MINUTES
set -euo pipefail
marker=$1 minutes=$2

for _ in $(seq "$minutes"); do
  gcloud storage ls "$marker" >/dev/null 2>&1 && exit 0
  sleep 60
done
echo "$marker did not appear: the previous environment has not deployed this commit" >&2
exit 1
