#!/usr/bin/env bash
# Functions shared by backup.sh and restore-check.sh, sourced by both (mounted beside them from the
# same ConfigMap). Expects the caller's globals: JOB (the job's name in logs), STEP (the current step)
# and WORK (the scratch directory whose stderr file err_tail reads).
# shellcheck disable=SC2154 # JOB, STEP and WORK are the caller's.

# json_str TEXT -> TEXT as a JSON string literal (control characters dropped).
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=$(printf '%s' "$s" | LC_ALL=C tr -d '\000-\010\013\014\016-\037')
  printf '"%s"' "$s"
}

# log LEVEL MESSAGE [KEY VALUE]... -> one JSON object per line on stdout.
log() {
  local level=$1 msg=$2 line
  shift 2
  line="{\"ts\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"level\":\"${level}\",\"job\":\"${JOB}\",\"step\":\"${STEP}\",\"msg\":$(json_str "$msg")"
  while (($# >= 2)); do
    if [[ $2 =~ ^-?(0|[1-9][0-9]*)(\.[0-9]+)?$ ]]; then
      line+=",\"$1\":$2"
    else
      line+=",\"$1\":$(json_str "$2")"
    fi
    shift 2
  done
  printf '%s}\n' "$line"
}

die() {
  local msg=$1
  shift
  log error "$msg" "$@"
  exit 1
}

# Last lines of a command's stderr, for error messages (never contains secrets: none are passed on argv).
err_tail() { tail -n 5 "$WORK/stderr" 2>/dev/null || true; }

aws_cli() {
  local args=()
  if [[ -n ${AWS_ENDPOINT_URL:-} ]]; then args+=(--endpoint-url "$AWS_ENDPOINT_URL"); fi
  if [[ -n ${AWS_REGION:-} ]]; then args+=(--region "$AWS_REGION"); fi
  aws "${args[@]}" "$@"
}
