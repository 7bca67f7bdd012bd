package dev.cmwq.rxjava3.bench;

import dev.cmwq.rxjava3.CmwqSchedulers;
import io.reactivex.rxjava3.core.Flowable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.schedulers.Schedulers;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A quick side-by-side measurement, not a test (surefire does not pick it up) and not JMH: cmwq
 * {@code bound()} / {@code unbound()} against RxJava's {@code computation()} / {@code io()}.
 *
 * <ul>
 *   <li>observeOn: {@code Flowable.range(0, 1_000_000).observeOn(S).blockingLast()}, ms per run.
 *       {@code range} is synchronously fusable, so observeOn polls it on the scheduler's thread:
 *       this is mostly one long task;
 *   <li>observeOn, no fusion: the same with {@code .hide()} before {@code observeOn}: the items
 *       cross a queue in batches of 128, and the worker is scheduled again and again;
 *   <li>hop: {@code Single.just(1).subscribeOn(S).blockingGet()}, µs per round trip;
 *   <li>flatMap hops: {@code Flowable.range(0, 100_000).flatMap(i -> just(i).subscribeOn(S), 256)},
 *       ms per run.
 * </ul>
 *
 * Each figure is the median of the measured rounds after warm-up rounds (schedulers interleaved
 * round by round, so a noisy neighbour hits all of them alike). Run from the repository root:
 *
 * <pre>
 * mvn -q -pl rxjava-cmwq test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp rxjava-cmwq/target/classes:rxjava-cmwq/target/test-classes:$(cat rxjava-cmwq/target/cp.txt) \
 *     dev.cmwq.rxjava3.bench.RxSchedulerBench [rounds]
 * </pre>
 */
public final class RxSchedulerBench {

  private RxSchedulerBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int warmup = Math.max(3, rounds / 2);
    Map<String, Scheduler> schedulers = new LinkedHashMap<>();
    schedulers.put("cmwq bound()", CmwqSchedulers.bound());
    schedulers.put("cmwq unbound()", CmwqSchedulers.unbound());
    schedulers.put("rx computation()", Schedulers.computation());
    schedulers.put("rx io()", Schedulers.io());

    System.out.printf("JDK %s, %d CPUs, %d warm-up + %d measured rounds%n",
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), warmup, rounds);
    Map<String, double[]> observeOn = new LinkedHashMap<>();
    Map<String, double[]> hidden = new LinkedHashMap<>();
    Map<String, double[]> hop = new LinkedHashMap<>();
    Map<String, double[]> flatMap = new LinkedHashMap<>();
    schedulers.keySet().forEach(k -> {
      observeOn.put(k, new double[rounds]);
      hidden.put(k, new double[rounds]);
      hop.put(k, new double[rounds]);
      flatMap.put(k, new double[rounds]);
    });
    int hops = 20_000;
    for (int r = -warmup; r < rounds; r++) {
      for (Map.Entry<String, Scheduler> e : schedulers.entrySet()) {
        Scheduler s = e.getValue();
        long t0 = System.nanoTime();
        Integer last = Flowable.range(0, 1_000_000).observeOn(s).blockingLast();
        long t1 = System.nanoTime();
        if (last != 999_999) {
          throw new AssertionError(last);
        }
        long o0 = System.nanoTime();
        Integer lastHidden = Flowable.range(0, 1_000_000).hide().observeOn(s).blockingLast();
        long o1 = System.nanoTime();
        if (lastHidden != 999_999) {
          throw new AssertionError(lastHidden);
        }
        long h0 = System.nanoTime();
        for (int i = 0; i < hops; i++) {
          Single.just(1).subscribeOn(s).blockingGet();
        }
        long h1 = System.nanoTime();
        long f0 = System.nanoTime();
        Integer n = Flowable.range(0, 100_000).flatMap(i -> Flowable.just(i).subscribeOn(s), 256).count().map(Long::intValue).blockingGet();
        long f1 = System.nanoTime();
        if (n != 100_000) {
          throw new AssertionError(n);
        }
        if (r >= 0) {
          observeOn.get(e.getKey())[r] = (t1 - t0) / 1e6;
          hidden.get(e.getKey())[r] = (o1 - o0) / 1e6;
          hop.get(e.getKey())[r] = (h1 - h0) / 1e3 / hops;
          flatMap.get(e.getKey())[r] = (f1 - f0) / 1e6;
        }
      }
    }
    System.out.printf("%-18s %22s %26s %22s %26s%n",
        "scheduler", "observeOn 1M (ms)", "hide().observeOn 1M (ms)", "hop (us/round trip)", "flatMap 100k hops (ms)");
    for (String k : schedulers.keySet()) {
      System.out.printf("%-18s %22s %26s %22s %26s%n",
          k, stats(observeOn.get(k)), stats(hidden.get(k)), stats(hop.get(k)), stats(flatMap.get(k)));
    }
    Schedulers.shutdown();
  }

  private static String stats(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return String.format("%.1f [%.1f..%.1f]", s[s.length / 2], s[0], s[s.length - 1]);
  }
}
