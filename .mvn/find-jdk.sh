# Sourced by ./mvnw and ./phalanx: sets JAVA_HOME to a JDK whose feature version is >= 21.
# Order: JAVA_HOME when it is one, then `java` on the PATH, then the usual install locations.
phalanx_java_feature() {
  # prints the feature version (17, 21, 25, ...) of the java binary $1, or nothing; the whole output is
  # read before it is searched, so no reader stops early and kills the writer with SIGPIPE
  local out
  out="$("$1" -XshowSettings:properties -version 2>&1)" || return 0
  if [[ "${out}" =~ java\.specification\.version\ =\ ([0-9]+) ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  fi
}
phalanx_find_jdk() {
  local candidates=() c v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(phalanx_java_feature "$c/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}
if ! PHALANX_JDK=$(phalanx_find_jdk); then
  echo "Phalanx needs a JDK 21 or newer (Timefold Solver 2.x is Java 21 bytecode)." >&2
  echo "None was found in JAVA_HOME, on the PATH or under /usr/lib/jvm, /opt, ~/.sdkman, ~/.jdks." >&2
  echo "Install one (for example: apt-get install openjdk-21-jdk, or Eclipse Temurin 21+) or set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME="$PHALANX_JDK"
