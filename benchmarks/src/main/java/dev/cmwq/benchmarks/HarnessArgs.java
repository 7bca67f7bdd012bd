package dev.cmwq.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line every {@code main()} harness shares: {@code [--quick] [--json FILE]
 * [positional…]}. {@code --quick} picks tiny sizes that only prove the harness runs (the CI
 * quick suite); {@code --json FILE} writes the harness's machine-readable report there, for
 * {@link Suite} or anyone else. Positional arguments keep each harness's historical meaning.
 *
 * @param quick tiny sizes, figures not to be quoted
 * @param json where to write the report, or null for none
 * @param positional the remaining arguments, in order
 */
record HarnessArgs(boolean quick, Path json, List<String> positional) {

  static HarnessArgs parse(String[] args) {
    boolean quick = false;
    Path json = null;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--json" -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("--json needs a file");
          }
          json = Path.of(args[++i]);
        }
        default -> rest.add(args[i]);
      }
    }
    return new HarnessArgs(quick, json, List.copyOf(rest));
  }

  /** Returns: positional argument {@code i} as an int, or {@code dflt} if absent. */
  int intArg(int i, int dflt) {
    return positional.size() > i ? Integer.parseInt(positional.get(i)) : dflt;
  }
}
