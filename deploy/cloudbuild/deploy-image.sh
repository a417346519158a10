#!/usr/bin/env bash
# Roll out one image (the analysts' API or the X stream reader) to its Cloud Run service, check
# that the new revision is the one serving, then leave a `.deployed` marker (what the next
# environment's promotion waits for).
#
#   deploy-image.sh SERVICE PROJECT REGION IMAGE gs://BUCKET/<image>/COMMIT.deployed
#
# Terraform creates the service (once the environment's <image>_image is set) and owns its
# configuration, ignoring the image; this script changes only the image. SERVICE is empty
# while the environment has no such service: the image is pushed but not deployed, and the
# marker still lets the next environment take that same image.
set -euo pipefail
service=$1 project=$2 region=$3 image=$4 marker=$5
where=(--project="$project" --region="$region")
name=${image##*/}
name=${name%%:*}

if [ -n "$service" ]; then
  gcloud run services update "$service" --image="$image" "${where[@]}" --quiet
  revisions=$(gcloud run services describe "$service" "${where[@]}" \
    --format='value(status.latestCreatedRevisionName,status.latestReadyRevisionName)')
  read -r created ready <<<"$revisions"
  if [ "$created" != "$ready" ]; then
    echo "$service: revision $created is not ready (still serving $ready)" >&2
    exit 1
  fi
else
  echo "no $name service in $project yet: set ${name//-/_}_image = \"$image\" in its" \
    "environment's terraform.tfvars and apply to create it" >&2
fi

printf '%s\n' "$image" | gcloud storage cp - "$marker"
