package dev.cmwq.reactor;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A plain measuring program (not a test, not JMH): the three Reactor hops of issue 5 on cmwq
 * {@code bound()}/{@code unbound()} and on Reactor's {@code parallel()}/{@code boundedElastic()}.
 * Orders of magnitude only; the benchmarks module is where numbers are kept. Run:
 *
 * <pre>
 * mvn -q -B -pl reactor-cmwq test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp reactor-cmwq/target/classes:reactor-cmwq/target/test-classes:$(cat /tmp/cp.txt) dev.cmwq.reactor.HopBenchmark
 * </pre>
 */
public final class HopBenchmark {

  private HopBenchmark() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Map<String, Scheduler> peers = new LinkedHashMap<>();
    peers.put("cmwq bound()", CmwqSchedulers.bound());
    peers.put("cmwq unbound()", CmwqSchedulers.unbound());
    peers.put("Schedulers.parallel()", Schedulers.parallel());
    peers.put("Schedulers.boundedElastic()", Schedulers.boundedElastic());
    System.out.printf(
        "JDK %s, %d CPUs, %d rounds (median of the rounds after 2 warm-up rounds)%n",
        Runtime.version(), Runtime.getRuntime().availableProcessors(), rounds);
    System.out.printf("%-28s %22s %22s %22s%n", "scheduler", "publishOn 1M (ms)", "subscribeOn hop (µs)", "flatMap 10k (k hops/s)");
    for (Map.Entry<String, Scheduler> e : peers.entrySet()) {
      Scheduler s = e.getValue();
      double[] publishOn = new double[rounds];
      double[] hop = new double[rounds];
      double[] flatMap = new double[rounds];
      for (int r = -2; r < rounds; r++) {
        double p = publishOnMillis(s);
        double h = hopMicros(s);
        double f = flatMapKPerSecond(s);
        if (r >= 0) {
          publishOn[r] = p;
          hop[r] = h;
          flatMap[r] = f;
        }
      }
      System.out.printf("%-28s %22.1f %22.2f %22.1f%n", e.getKey(), median(publishOn), median(hop), median(flatMap));
    }
    System.exit(0);
  }

  /** Flux.range(0, 1_000_000).publishOn(S).blockLast(): milliseconds. */
  static double publishOnMillis(Scheduler s) {
    long t0 = System.nanoTime();
    Integer last = Flux.range(0, 1_000_000).publishOn(s).blockLast(Duration.ofMinutes(1));
    long t1 = System.nanoTime();
    if (last == null || last != 999_999) {
      throw new AssertionError(last);
    }
    return (t1 - t0) / 1e6;
  }

  /** Mono.just(1).subscribeOn(S).block(), 20 000 times: mean microseconds per hop. */
  static double hopMicros(Scheduler s) {
    int n = 20_000;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Integer v = Mono.just(1).subscribeOn(s).block();
      if (v == null) {
        throw new AssertionError();
      }
    }
    return (System.nanoTime() - t0) / 1e3 / n;
  }

  /** flatMap(i -> Mono.fromCallable(..).subscribeOn(S), 256) over 10 000 items: thousand hops per second. */
  static double flatMapKPerSecond(Scheduler s) {
    int n = 10_000;
    long t0 = System.nanoTime();
    Long count = Flux.range(0, n).flatMap(i -> Mono.fromCallable(() -> i).subscribeOn(s), 256).count().block(Duration.ofMinutes(1));
    long t1 = System.nanoTime();
    if (count == null || count != n) {
      throw new AssertionError(count);
    }
    return n / ((t1 - t0) / 1e9) / 1e3;
  }

  private static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
