#!/bin/sh
# flotilla-hook-version DEV
#
# flotilla's one file on a remote host (docs/hosts.md "Hooks on a host"). flotilla copies it into
# its state folder there and replaces it when the version line above differs (flotilla writes its
# own version into that line when it copies the file). It needs a POSIX sh, awk, sed, wc, tail and
# git; no node. It is run by the agent's own hooks, never by hand:
#
#   sh flotilla-hook.sh record <events file> <event> [codex json]
#       appends one line {at, event, attempt, tool?, message?, kind?} to the events file, as
#       flotilla's local recorder (src/engine/sessions/hook-recorder.ts) does: the hook's JSON
#       comes on stdin (Claude Code) or as the last argument (Codex notify). Never fails the agent.
#   sh flotilla-hook.sh gate <spec file>
#       the stop gate (`flotilla gate <task> --local` on this machine): uncommitted changes, then
#       the local checks listed in the spec file flotilla wrote at launch. Exit 0: the stop goes
#       ahead (text on stdout); exit 2: blocked, what still fails on stderr; exit 1: error.
#   sh flotilla-hook.sh trust-claude <claude config file> <folder>
#       marks <folder> trusted in Claude Code's config (projects[<folder>].hasTrustDialogAccepted),
#       merging into the file and replacing it atomically; a file that is not a JSON object is left alone.
#
# Paths the agent could reach are never followed through a symlink (refused), and nothing read from
# the spec file is run through a shell: each check's argv is one field per line.

umask 077

# Decodes one spec field: "\\" is a backslash and "\n" a newline (flotilla escapes every backslash).
dec() {
  case $1 in
  *\\*)
    DEC=$(printf '%bx' "$1")
    DEC=${DEC%x}
    ;;
  *) DEC=$1 ;;
  esac
}

# True when a path flotilla writes is a symlink or something other than a regular file.
unsafe_file() {
  [ -L "$1" ] && return 0
  [ -e "$1" ] && [ ! -f "$1" ] && return 0
  d=$(dirname -- "$1")
  [ -L "$d" ] && return 0
  return 1
}

now() {
  t=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ 2>/dev/null)
  case $t in
  [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z) printf '%s' "$t" ;;
  *) date -u +%Y-%m-%dT%H:%M:%SZ ;;
  esac
}

# Keeps "\\" and "\"" out of the way (bytes 1 and 2), so a JSON string is "[^"]*" (strings hold no raw newline).
JSON_HIDE='{ n += length($0) + 1; if (n > 1000000) exit; gsub(/\\\\/, "\001"); gsub(/\\"/, "\002"); print }'

# Reads the (hidden) JSON object on stdin with RS = '"': odd records lie outside strings, even ones
# inside. Prints the line flotilla records for the event.
JSON_EVENT='
function cap(v,   out, i, c, k, len, chars) {
  # At most 500 characters: an escape sequence, a hidden byte or a UTF-8 character counts one.
  len = length(v); out = ""; chars = 0; i = 1
  while (i <= len && chars < 500) {
    c = substr(v, i, 1)
    if (c == "\\") { k = (substr(v, i + 1, 1) == "u") ? 6 : 2 }
    else if (c >= "\300" && c <= "\337") k = 2
    else if (c >= "\340" && c <= "\357") k = 3
    else if (c >= "\360" && c <= "\367") k = 4
    else k = 1
    out = out substr(v, i, k); i += k; chars++
  }
  return out
}
function clean(v) {
  # No control character from the agent reaches a terminal later (as the local recorder does).
  gsub(/\\[bfnrt]/, " ", v)
  gsub(/\\u00[01][0-9A-Fa-f]/, " ", v)
  gsub(/\\u007[Ff]/, " ", v)
  gsub(/\\u00[89][0-9A-Fa-f]/, " ", v)
  gsub(/[\003-\037\177]/, " ", v)
  gsub(/\302[\200-\237]/, " ", v)
  return v
}
function join(v, sep, with,   parts, n, i, out) { n = split(v, parts, sep); out = parts[1]; for (i = 2; i <= n; i++) out = out with parts[i]; return out }
function unhide(v,   bs) { bs = "\\"; return join(join(v, "\001", bs bs), "\002", bs "\"") }
function field(name, v) { return (name in val) ? unhide(cap(val[name])) : "" }
BEGIN { RS = "\"" }
{
  if (NR % 2 == 1) {
    # Outside strings: depth, and whether the string before was a key of the top object.
    if (pending != "" && depth == 1 && $0 ~ /^[ \t\r\n]*:[ \t\r\n]*$/) { want = pending }
    else want = ""
    pending = ""
    t = $0; opens = gsub(/[{[]/, "", t); t = $0; closes = gsub(/[]}]/, "", t)
    if (NR == 1 && $0 !~ /^[ \t\r\n]*\{[ \t\r\n]*$/) bad = 1
    depth += opens - closes
    lastout = $0
  } else {
    if (want != "") { val[want] = $0; want = "" }
    else if (depth == 1 && (lastout ~ /[{,][ \t\r\n]*$/)) pending = $0
  }
}
END {
  ev = ENVIRON["FH_EVENT"]
  if (bad || depth != 0) delete val
  if (ev == "codex") { ty = field("type"); ev = "codex:" (ty != "" ? ty : "notify") }
  line = "{\"at\":\"" ENVIRON["FH_AT"] "\",\"event\":\"" ev "\",\"attempt\":" ENVIRON["FH_ATTEMPT"]
  if ("tool_name" in val) line = line ",\"tool\":\"" field("tool_name") "\""
  msg = ""; has = 0
  if ("message" in val) { msg = val["message"]; has = 1 }
  else if (ev == "StopFailure") {
    msg = "API error: " (("error" in val) ? val["error"] : "unknown") (("error_details" in val) && val["error_details"] != "" ? ": " val["error_details"] : ""); has = 1
  } else if (ev == "PermissionRequest") { msg = ("tool_name" in val) && val["tool_name"] != "" ? "permission: " val["tool_name"] : "permission"; has = 1 }
  else if ((ev == "TaskCompleted" || ev == "TaskCreated") && ("task_subject" in val)) { msg = val["task_subject"]; has = 1 }
  if (has) line = line ",\"message\":\"" unhide(clean(cap(msg))) "\""
  if ("notification_type" in val) line = line ",\"kind\":\"" field("notification_type") "\""
  print line "}"
}'

record() {
  file=$1 event=$2
  [ -n "$file" ] && [ -n "$event" ] || return 0
  case $event in *[!A-Za-z0-9_.-]*) return 0 ;; esac
  # Never through a symlink or into a FIFO planted at the file or its folder.
  unsafe_file "$file" && return 0
  attempt=null
  case ${FLOTILLA_ATTEMPT:-x} in *[!0-9]*) ;; *) attempt=$((FLOTILLA_ATTEMPT + 0)) ;; esac
  if [ "$event" = codex ]; then
    line=$(printf '%s\n' "${3-}" | LC_ALL=C awk "$JSON_HIDE" | FH_EVENT=$event FH_AT=$(now) FH_ATTEMPT=$attempt LC_ALL=C awk "$JSON_EVENT")
  elif [ -t 0 ]; then
    line=$(printf '' | FH_EVENT=$event FH_AT=$(now) FH_ATTEMPT=$attempt LC_ALL=C awk "$JSON_EVENT")
  else
    line=$(LC_ALL=C awk "$JSON_HIDE" | FH_EVENT=$event FH_AT=$(now) FH_ATTEMPT=$attempt LC_ALL=C awk "$JSON_EVENT")
  fi
  [ -n "$line" ] || return 0
  # One write of one whole line (flotilla copies whole lines back).
  printf '%s\n' "$line" >>"$file"
}

# --- the stop gate ---------------------------------------------------------------------------

spec_value() { # $1: key; prints the decoded value of the first "<key> <value>" line
  while IFS= read -r l; do
    case $l in "$1 "*)
      dec "${l#"$1" }"
      printf '%s' "$DEC"
      return 0
      ;;
    esac
  done <"$SPEC"
  return 1
}

# The paths `git status` lists as changed, staged, unmerged or untracked (as flotilla's parser reads v2).
DIRTY_AWK='
$1 == "1" { p = $0; for (k = 0; k < 8; k++) sub(/^[^ ]* /, "", p); print p; next }
$1 == "2" { p = $0; for (k = 0; k < 9; k++) sub(/^[^ ]* /, "", p); sub(/\t.*/, "", p); print p; next }
$1 == "u" { p = $0; for (k = 0; k < 10; k++) sub(/^[^ ]* /, "", p); print p; next }
$1 == "?" { print substr($0, 3) }'

# The last 20 lines up to the last one that is not blank (a ring of 100 lines).
TAIL_AWK='{ l[NR % 100] = $0 } NF { last = NR } END { for (i = (last > 20 ? last - 19 : 1); i <= last && i > NR - 100; i++) print l[i % 100] }'

# Runs check number $1 of the spec; sets PROBLEM to its failure text, or empty when it passed.
run_check() {
  idx=$1 k=0 name= to=
  set --
  while IFS= read -r l; do
    case $l in
    'check '*) k=$((k + 1)) && [ "$k" -eq "$idx" ] && dec "${l#check }" && name=$DEC ;;
    'timeout '*) [ "$k" -eq "$idx" ] && to=${l#timeout } ;;
    'arg '*) [ "$k" -eq "$idx" ] && dec "${l#arg }" && set -- "$@" "$DEC" ;;
    esac
  done <"$SPEC"
  PROBLEM=
  [ $# -gt 0 ] || return 0
  case $to in '' | *[!0-9]*) to=600 ;; esac
  safe=$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80)
  log="$LOGS-stop-$safe.log"
  unsafe_file "$log" && rm -f -- "$log"
  shown=$*
  if command -v timeout >/dev/null 2>&1; then
    (cd "$WORKTREE" && exec timeout -k 5 "$to" "$@") >"$log" 2>&1 </dev/null
  else
    (cd "$WORKTREE" && exec "$@") >"$log" 2>&1 </dev/null
  fi
  code=$?
  [ "$code" -eq 0 ] && return 0
  tl=$(sed -e 's/[[:space:]]*$//' "$log" | awk "$TAIL_AWK")
  last=$(printf '%s\n' "$tl" | tail -n 1 | cut -c1-200)
  if [ "$code" -eq 124 ] && command -v timeout >/dev/null 2>&1; then
    detail="timed out after ${to}s and was killed${last:+: $last}"
  else
    detail="exit $code${last:+: $last}"
  fi
  PROBLEM="Check \"$name\" ($shown) failed: $detail
$tl"
}

gate() {
  SPEC=$1
  if [ -z "$SPEC" ] || unsafe_file "$SPEC" || [ ! -f "$SPEC" ] || [ "$(sed -n 1p "$SPEC")" != "flotilla-gate 1" ]; then
    printf 'flotilla: stop gate: no valid gate spec at %s\n' "$SPEC" >&2
    return 1
  fi
  WORKTREE=$(spec_value worktree) || WORKTREE=
  ATTEMPT=$(spec_value attempt) || ATTEMPT=?
  MAX=$(spec_value max) || MAX=0
  BLOCKS=$(spec_value blocks) || BLOCKS=
  LOGS=$(spec_value logs) || LOGS=
  case $MAX in '' | *[!0-9]*) MAX=0 ;; esac
  if [ -z "$WORKTREE" ] || [ -z "$BLOCKS" ] || [ -z "$LOGS" ] || unsafe_file "$BLOCKS"; then
    printf 'flotilla: stop gate: incomplete gate spec %s\n' "$SPEC" >&2
    return 1
  fi
  used=0
  [ -f "$BLOCKS" ] && used=$(($(wc -l <"$BLOCKS")))
  if [ "$used" -ge "$MAX" ]; then
    printf 'stop gate: %s/%s blocks used for attempt %s; letting the agent stop\n' "$used" "$MAX" "$ATTEMPT"
    return 0
  fi
  problems=
  if status=$(cd "$WORKTREE" && git --no-optional-locks status --porcelain=v2 2>/dev/null); then
    dirty=$(printf '%s\n' "$status" | awk "$DIRTY_AWK" | head -n 10 | awk 'NR > 1 { printf ", " } { printf "%s", $0 }')
    [ -n "$dirty" ] && problems="Uncommitted changes: $dirty. Commit your work (or remove stray files) before stopping."
  fi
  checks=$(grep -c '^check ' "$SPEC")
  i=1 ran=0
  while [ "$i" -le "$checks" ]; do
    run_check "$i"
    ran=$((ran + 1))
    if [ -n "$PROBLEM" ]; then
      problems="${problems:+$problems

}$PROBLEM"
    fi
    i=$((i + 1))
  done
  if [ -z "$problems" ]; then
    printf 'stop gate: %s local gate(s) passed\n' "$ran"
    return 0
  fi
  # One block claimed under a lock (a Stop and a TaskCompleted may come together).
  n=0
  while ! mkdir "$BLOCKS.lock" 2>/dev/null && [ "$n" -lt 50 ]; do
    sleep 0.1 2>/dev/null || sleep 1
    n=$((n + 1))
  done
  printf 'b\n' >>"$BLOCKS"
  blocks=$(($(wc -l <"$BLOCKS")))
  rmdir "$BLOCKS.lock" 2>/dev/null
  if [ "$blocks" -gt "$MAX" ]; then
    printf 'stop gate: %s blocks used for attempt %s; letting the agent stop\n' "$MAX" "$ATTEMPT"
    return 0
  fi
  printf 'flotilla stop gate (block %s of %s): the task is not done yet.\n\n%s\n\nFix these, commit, then finish.\n' "$blocks" "$MAX" "$problems" >&2
  return 2
}

# --- Claude Code's trust entry ----------------------------------------------------------------

# Reads Claude Code's config (hidden as above) with RS = '"' (odd records lie outside strings, even
# ones inside) and prints it with the trust entry of ENVIRON["FH_KEY"] (the folder, JSON-encoded)
# set, changing nothing else. Exit 3: not a JSON object (left alone); exit 4: already trusted.
TRUST_AWK='
BEGIN { RS = "\""; key = ENVIRON["FH_KEY"]; gsub(/\\\\/, "\001", key); gsub(/\\"/, "\002", key) }
{ r[NR] = $0; if (NR % 2 == 1) outside(NR, $0); else str(NR, $0) }
function str(idx, tok) {
  if (depth == 0 || closed) exit 3
  if (type[depth] == "o" && keypos) {
    k[depth] = tok; keypos = 0; nkeys[depth]++
    return
  }
  value_at(idx, 0, 0, "str")
}
function outside(idx, t,   p, n, c, q) {
  n = length(t)
  for (p = 1; p <= n; p++) {
    c = substr(t, p, 1)
    if (c ~ /[ \t\r\n]/ || c == ":") continue
    if (closed) exit 3
    if (c == ",") { if (type[depth] == "o") keypos = 1; continue }
    if (c == "{" || c == "[") {
      if (depth == 0) { if (c != "{") exit 3; topi = idx; topp = p }
      else value_at(idx, p, p, c)
      depth++; type[depth] = (c == "{") ? "o" : "a"; keypos = (c == "{"); nkeys[depth] = 0
      if (depth == 2) inproj = (k[1] == "projects" && c == "{")
      if (depth == 2 && inproj) { proji = idx; projp = p }
      if (depth == 3) infolder = (inproj && k[2] == key && c == "{")
      if (depth == 3 && infolder) { folderi = idx; folderp = p }
      continue
    }
    if (c == "}" || c == "]") {
      if (depth == 0) exit 3
      if (depth == 2 && inproj) { inproj = 0; projkeys = nkeys[2] }
      if (depth == 3 && infolder) { infolder = 0; folderkeys = nkeys[3] }
      if (depth == 1) topkeys = nkeys[1]
      depth--; if (depth == 0) closed = 1
      continue
    }
    if (c ~ /[-0-9.eEtrufalsn+]/) {
      q = p; while (q < n && substr(t, q + 1, 1) ~ /[-0-9.eEtrufalsn+]/) q++
      if (depth == 0) exit 3
      value_at(idx, p, q, "lit"); p = q
      continue
    }
    exit 3
  }
}
function value_at(idx, a, b, what) {
  # A value in an object: where it sits says what it is.
  if (type[depth] != "o") return
  if (depth == 1 && k[1] == "projects") projbad = (what != "{")
  if (depth == 2 && inproj && k[2] == key) folderbad = (what != "{")
  if (depth == 3 && infolder && k[3] == "hasTrustDialogAccepted") { tvi = idx; tva = a; tvb = b; tv = (what == "lit") ? substr(r[idx], a, b - a + 1) : "str" }
}
function join(v, sep, with,   parts, n, i, out) { n = split(v, parts, sep); out = parts[1]; for (i = 2; i <= n; i++) out = out with parts[i]; return out }
function unhide(v,   bs) { bs = "\\"; return join(join(v, "\001", bs bs), "\002", bs "\"") }
function put(idx, p, text) { r[idx] = substr(r[idx], 1, p) text substr(r[idx], p + 1) }
END {
  if (!closed || depth != 0 || NR % 2 == 0) exit 3
  entry = "\"hasTrustDialogAccepted\": true"
  if (tvi && tv == "true") exit 4
  if (tvi && tv == "str") exit 3
  if (tvi) r[tvi] = substr(r[tvi], 1, tva - 1) "true" substr(r[tvi], tvb + 1)
  else if (folderi && !folderbad) put(folderi, folderp, entry (folderkeys ? ", " : ""))
  else if (folderbad || projbad) exit 3
  else if (proji) put(proji, projp, "\"" key "\": {" entry "}" (projkeys ? ", " : ""))
  else put(topi, topp, "\"projects\": {\"" key "\": {" entry "}}" (topkeys ? ", " : ""))
  out = r[1]
  for (i = 2; i <= NR; i++) out = out "\"" r[i]
  printf "%s", unhide(out)
}'

trust_claude() {
  cfg=$1 folder=$2
  [ -n "$cfg" ] && [ -n "$folder" ] || return 1
  case $folder in *[[:cntrl:]]*)
    printf 'flotilla: %s: not trusted ahead (control characters in the path)\n' "$folder" >&2
    return 1
    ;;
  esac
  if [ -L "$cfg" ] || { [ -e "$cfg" ] && [ ! -f "$cfg" ]; }; then
    printf 'flotilla: %s is not a regular file; the folder is not trusted ahead\n' "$cfg" >&2
    return 1
  fi
  key=$(printf '%s' "$folder" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
  mkdir -p -- "$(dirname -- "$cfg")" || return 1
  tmp="$cfg.flotilla-$$"
  if [ -s "$cfg" ]; then
    LC_ALL=C awk "$JSON_HIDE" <"$cfg" | FH_KEY=$key LC_ALL=C awk "$TRUST_AWK" >"$tmp"
  else
    printf '{}\n' | FH_KEY=$key LC_ALL=C awk "$TRUST_AWK" >"$tmp"
  fi
  case $? in
  0) ;;
  4) rm -f -- "$tmp" && return 0 ;;
  *)
    rm -f -- "$tmp"
    printf 'flotilla: %s: not a JSON object; the folder is not trusted ahead\n' "$cfg" >&2
    return 1
    ;;
  esac
  mv -f -- "$tmp" "$cfg"
}

case ${1-} in
record)
  shift
  record "$@" 2>/dev/null
  exit 0
  ;;
gate)
  gate "$2"
  exit $?
  ;;
trust-claude)
  trust_claude "$2" "$3"
  exit $?
  ;;
version) sed -n 2p "$0" ;;
*)
  printf 'usage: flotilla-hook.sh record|gate|trust-claude ...\n' >&2
  exit 1
  ;;
esac
