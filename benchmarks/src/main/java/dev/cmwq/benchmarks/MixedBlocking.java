package dev.cmwq.benchmarks;

import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.Workqueues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Mixed load (DESIGN §9): 1 000 tasks; 10 % of them, at seeded random positions, block for 20 ms,
 * the rest spin 50 µs of CPU. This is where concurrency management earns its keep: a bound cmwq
 * pool runs one task per CPU slot, and when one sleeps — declared through
 * {@link Workqueues#blocking} or detected by the runtime — another worker takes the slot.
 *
 * <p>Of the blocking tasks, half are <em>declarable</em> (the peer may declare them, if it has a
 * way) and half always sleep raw ({@code Thread.sleep(20)}). Three modes:
 *
 * <ul>
 *   <li><b>mixed</b>: the declarable half is declared — {@code Workqueues.blocking} for cmwq,
 *       {@code ForkJoinPool.managedBlock} for the "ForkJoinPool + managedBlock" peer; peers that
 *       cannot declare sleep raw. Every peer runs this mode.
 *   <li><b>undeclared</b>: every blocking task sleeps raw; cmwq must find the blocked workers by
 *       itself. DESIGN §9's headline row: its makespan should be ≤ ForkJoinPool + managedBlock
 *       (declared) with no more threads.
 *   <li><b>declared</b>: every blocking task is declared (cmwq, ForkJoinPool + managedBlock).
 *       DESIGN §9 target for cmwq: ≤ 55 ms.
 * </ul>
 *
 * <p>Two arrival patterns: <b>burst</b> — all tasks submitted as fast as the producer can;
 * makespan = completion of the last task − submission of the first. <b>paced</b> — one task
 * every 1 ms (a fixed schedule; lateness is measured from each task's scheduled arrival, so a
 * slow producer does not hide queueing); reported: how far completion runs past the arrival
 * window ("overrun"), the p99 of the wait before a task starts and of its latency (scheduled
 * arrival → completion), and peak threads.
 *
 * <p>Peers, each a fresh instance per round with a {@link ThreadCounter} factory (peak platform
 * threads alive, exact), shut down after the round: cmwq bound ({@code systemWq()} of an isolated
 * runtime, through the core {@link Workqueue} and through the Reactor adapter), cmwq unbound
 * ({@code systemUnboundWq()}), Reactor {@code newParallel(N)}, {@code newBoundedElastic(10 N)},
 * {@code ForkJoinPool(N)} without and with {@code managedBlock} (N = available processors).
 *
 * <p>How to read: round 1 of each row is warm-up and discarded; the figures are the median (and
 * min–max) of the next rounds. A 20 ms sleep on a 2-CPU machine that nobody replaces costs 10 ms
 * of makespan per slot: {@code parallel()} ≈ 100 × 20 ms / 2 ≈ 1 s; a scheduler that keeps both
 * CPUs busy while tasks sleep approaches the spin work (900 × 50 µs / 2 ≈ 23 ms) plus one sleep.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.cmwq.benchmarks.MixedBlocking [--quick] [--json
 * FILE] [rounds] [tasks]} (default 5 measured rounds after one warm-up, 1 000 tasks).
 */
public final class MixedBlocking {

  static final long BLOCK_MILLIS = 20;
  static final long SPIN_NANOS = 50_000;
  static final double BLOCKING_SHARE = 0.10;
  static final long PACE_NANOS = 1_000_000;
  static final long SEED = 0x6d1b_10c4L;
  static final int CPUS = Runtime.getRuntime().availableProcessors();

  /** Task kinds, pre-generated. */
  static final byte SPIN = 0;
  static final byte RAW = 1;
  static final byte DECLARABLE = 2;

  /** Defeats dead-code elimination of the spin loop. */
  static volatile long sink;

  /** Iterations of the spin loop that take {@link #SPIN_NANOS}; set by {@link #calibrate()}. */
  static int spinIterations;

  private MixedBlocking() {}

  /** Which blocking tasks a peer that can declare declares. */
  enum Mode {
    MIXED("mixed"),
    UNDECLARED("undeclared"),
    DECLARED("declared");

    final String label;

    Mode(String label) {
      this.label = label;
    }

    boolean declares(byte kind) {
      return switch (this) {
        case MIXED -> kind == DECLARABLE;
        case UNDECLARED -> false;
        case DECLARED -> kind != SPIN;
      };
    }
  }

  /** A scheduler under test, made fresh for each round. */
  interface Peer {
    String name();

    /** Returns: a new running instance whose threads {@code counter} makes. */
    Instance start(ThreadCounter counter);

    /** Runs one declared 20 ms sleep; peers that cannot declare sleep raw. */
    default void declaredSleep() throws Exception {
      Thread.sleep(BLOCK_MILLIS);
    }
  }

  /** One running scheduler instance. */
  interface Instance {
    /** Wraps the tasks into what the scheduler queues, before the clock starts. */
    void prepare(Runnable[] tasks);

    /** Submits prepared task {@code i}. */
    void submit(int i);

    /** Shuts the instance down and waits for its threads to finish. */
    void close() throws InterruptedException;
  }

  /** One row to run: a peer in a mode, in one arrival pattern. */
  record Row(Peer peer, Mode mode) {}

  public static void main(String[] args) throws Exception {
    HarnessArgs a = HarnessArgs.parse(args);
    Map<String, Object> report = run(a.quick(), a.intArg(0, a.quick() ? 1 : 5), a.intArg(1, a.quick() ? 200 : 1_000));
    if (a.json() != null) {
      Json.write(a.json(), report);
    }
  }

  /**
   * Runs every row and returns the report: {@code {"harness", "params", "rows": [...]}}, one row
   * per (pattern, mode, peer) with medians, minima and maxima over the measured rounds.
   */
  static Map<String, Object> run(boolean quick, int rounds, int tasks) throws Exception {
    int warmups = quick ? 0 : 1;
    int pacedTasks = quick ? 100 : tasks;
    int pacedRounds = quick ? 1 : Math.min(rounds, 3);
    calibrate();
    byte[] kinds = workload(tasks, SEED);
    byte[] pacedKinds = workload(pacedTasks, SEED + 1);
    System.out.printf(
        Locale.ROOT,
        "MixedBlocking: %d tasks, %.0f %% block %d ms (half declarable), the rest spin %d µs (%d"
            + " nanoTime calls); %d warm-up + %d round(s); paced: %d tasks, one per %d µs, %d"
            + " round(s); %s %s, %d CPUs%n",
        tasks,
        BLOCKING_SHARE * 100,
        BLOCK_MILLIS,
        SPIN_NANOS / 1000,
        spinIterations,
        warmups,
        rounds,
        pacedTasks,
        PACE_NANOS / 1000,
        pacedRounds,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        CPUS);

    Peer cmwqBound = new CmwqCore("cmwq bound", false);
    Peer cmwqReactor = new CmwqReactor();
    Peer cmwqUnbound = new CmwqCore("cmwq unbound", true);
    Peer parallel = new ReactorPeer("Reactor parallel()", false);
    Peer elastic = new ReactorPeer("Reactor boundedElastic()", true);
    Peer fjp = new ForkJoin("ForkJoinPool(" + CPUS + ")", false);
    Peer fjpManaged = new ForkJoin("ForkJoinPool(" + CPUS + ") + managedBlock", true);

    List<Row> burst =
        List.of(
            new Row(cmwqBound, Mode.UNDECLARED),
            new Row(cmwqBound, Mode.MIXED),
            new Row(cmwqBound, Mode.DECLARED),
            new Row(cmwqReactor, Mode.UNDECLARED),
            new Row(cmwqReactor, Mode.MIXED),
            new Row(cmwqUnbound, Mode.MIXED),
            new Row(parallel, Mode.MIXED),
            new Row(elastic, Mode.MIXED),
            new Row(fjp, Mode.MIXED),
            new Row(fjpManaged, Mode.MIXED),
            new Row(fjpManaged, Mode.DECLARED));
    List<Row> paced =
        List.of(
            new Row(cmwqBound, Mode.UNDECLARED),
            new Row(cmwqBound, Mode.MIXED),
            new Row(cmwqUnbound, Mode.MIXED),
            new Row(parallel, Mode.MIXED),
            new Row(elastic, Mode.MIXED),
            new Row(fjp, Mode.MIXED),
            new Row(fjpManaged, Mode.MIXED),
            new Row(fjpManaged, Mode.DECLARED));

    List<Object> rows = new ArrayList<>();
    System.out.printf(
        Locale.ROOT,
        "%nburst%n%-36s %-10s %10s %17s %7s %9s%n",
        "peer", "mode", "ms median", "ms min–max", "threads", "min–max");
    for (Row row : burst) {
      long[] makespan = new long[rounds];
      int[] threads = new int[rounds];
      for (int r = -warmups; r < rounds; r++) {
        Round result = burstRound(row, kinds);
        if (r >= 0) {
          makespan[r] = result.makespan;
          threads[r] = result.peakThreads;
        }
      }
      Map<String, Object> m = Json.object();
      m.put("pattern", "burst");
      m.put("mode", row.mode().label);
      m.put("peer", row.peer().name());
      m.put("rounds", rounds);
      m.put("makespanMsMedian", millis(median(makespan)));
      m.put("makespanMsMin", millis(Arrays.stream(makespan).min().orElse(0)));
      m.put("makespanMsMax", millis(Arrays.stream(makespan).max().orElse(0)));
      m.put("peakThreadsMedian", median(Arrays.stream(threads).asLongStream().toArray()));
      m.put("peakThreadsMin", Arrays.stream(threads).min().orElse(0));
      m.put("peakThreadsMax", Arrays.stream(threads).max().orElse(0));
      rows.add(m);
      System.out.printf(
          Locale.ROOT,
          "%-36s %-10s %10.1f %8.1f–%-8.1f %7d %4d–%-4d%n",
          row.peer().name(),
          row.mode().label,
          m.get("makespanMsMedian"),
          m.get("makespanMsMin"),
          m.get("makespanMsMax"),
          (long) m.get("peakThreadsMedian"),
          (int) m.get("peakThreadsMin"),
          (int) m.get("peakThreadsMax"));
    }

    System.out.printf(
        Locale.ROOT,
        "%npaced (one task per %d µs; overrun = completion of the last − end of arrivals)%n"
            + "%-36s %-10s %10s %12s %14s %7s%n",
        PACE_NANOS / 1000,
        "peer", "mode", "overrun ms", "p99 wait ms", "p99 latency ms", "threads");
    for (Row row : paced) {
      long[] overrun = new long[pacedRounds];
      long[] wait = new long[pacedRounds];
      long[] latency = new long[pacedRounds];
      long[] threads = new long[pacedRounds];
      for (int r = -warmups; r < pacedRounds; r++) {
        Paced result = pacedRound(row, pacedKinds);
        if (r >= 0) {
          overrun[r] = result.overrun;
          wait[r] = result.p99Wait;
          latency[r] = result.p99Latency;
          threads[r] = result.peakThreads;
        }
      }
      Map<String, Object> m = Json.object();
      m.put("pattern", "paced");
      m.put("mode", row.mode().label);
      m.put("peer", row.peer().name());
      m.put("rounds", pacedRounds);
      m.put("overrunMsMedian", millis(median(overrun)));
      m.put("p99WaitMsMedian", millis(median(wait)));
      m.put("p99LatencyMsMedian", millis(median(latency)));
      m.put("peakThreadsMedian", median(threads));
      rows.add(m);
      System.out.printf(
          Locale.ROOT,
          "%-36s %-10s %10.1f %12.2f %14.2f %7d%n",
          row.peer().name(),
          row.mode().label,
          m.get("overrunMsMedian"),
          m.get("p99WaitMsMedian"),
          m.get("p99LatencyMsMedian"),
          (long) m.get("peakThreadsMedian"));
    }

    Map<String, Object> params = Json.object();
    params.put("tasks", tasks);
    params.put("blockingShare", BLOCKING_SHARE);
    params.put("blockMillis", BLOCK_MILLIS);
    params.put("spinMicros", SPIN_NANOS / 1000);
    params.put("spinIterations", spinIterations);
    params.put("warmupRounds", warmups);
    params.put("rounds", rounds);
    params.put("pacedTasks", pacedTasks);
    params.put("pacedRounds", pacedRounds);
    params.put("paceMicros", PACE_NANOS / 1000);
    params.put("seed", SEED);
    params.put("quick", quick);
    Map<String, Object> report = Json.object();
    report.put("harness", "MixedBlocking");
    report.put("params", params);
    report.put("rows", rows);
    return report;
  }

  /**
   * Returns: one kind per task, from a generator seeded with {@code seed}: {@link #SPIN}, or for
   * 10 % of the positions (chosen by a seeded shuffle) alternately {@link #DECLARABLE} and
   * {@link #RAW}.
   */
  static byte[] workload(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    byte[] kinds = new byte[n];
    int blocking = (int) Math.round(n * BLOCKING_SHARE);
    for (int i = 0; i < blocking; i++) {
      kinds[order[i]] = (i % 2 == 0) ? DECLARABLE : RAW;
    }
    return kinds;
  }

  /**
   * Sets {@link #spinIterations}: how many rounds of the spin loop's body take {@link
   * #SPIN_NANOS}, as the median of many timed runs after the loop has been compiled. A spinning
   * task then does a fixed amount of CPU work, whether or not it is preempted meanwhile.
   */
  static void calibrate() {
    int trials = 4001;
    int[] counts = new int[trials];
    for (int t = 0; t < trials; t++) {
      long start = System.nanoTime();
      long acc = 0;
      int n = 0;
      long now;
      do {
        now = System.nanoTime();
        acc += now;
        n++;
      } while (now - start < SPIN_NANOS);
      sink = acc;
      counts[t] = n;
    }
    int[] late = Arrays.copyOfRange(counts, trials / 2, trials);
    Arrays.sort(late);
    spinIterations = late[late.length / 2];
  }

  /** Burns {@link #SPIN_NANOS} of CPU: the calibrated number of clock reads. */
  static void spin() {
    long acc = 0;
    for (int i = 0; i < spinIterations; i++) {
      acc += System.nanoTime();
    }
    sink = acc;
  }

  /** Result of one burst round, nanoseconds. */
  record Round(long makespan, int peakThreads) {}

  /** Result of one paced round, nanoseconds. */
  record Paced(long overrun, long p99Wait, long p99Latency, int peakThreads) {}

  /** The tasks of one round and what they record. */
  static final class Tasks {
    final long[] started;
    final long[] ended;
    final CountDownLatch done;
    final AtomicInteger failed = new AtomicInteger();
    final Runnable[] runnables;

    Tasks(Peer peer, Mode mode, byte[] kinds) {
      int n = kinds.length;
      started = new long[n];
      ended = new long[n];
      done = new CountDownLatch(n);
      runnables = new Runnable[n];
      for (int i = 0; i < n; i++) {
        int k = i;
        byte kind = kinds[i];
        boolean declare = mode.declares(kind);
        runnables[i] =
            () -> {
              started[k] = System.nanoTime();
              try {
                if (kind == SPIN) {
                  spin();
                } else if (declare) {
                  peer.declaredSleep();
                } else {
                  Thread.sleep(BLOCK_MILLIS);
                }
              } catch (Exception e) {
                failed.incrementAndGet();
              } finally {
                // written before countDown, read after await: countDown happens-before await's return
                ended[k] = System.nanoTime();
                done.countDown();
              }
            };
      }
    }

    void await(String what) throws InterruptedException {
      if (!done.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException(what + ": " + done.getCount() + " tasks never ran");
      }
      if (failed.get() > 0) {
        throw new IllegalStateException(what + ": " + failed.get() + " tasks failed");
      }
    }

    long lastEnd() {
      return Arrays.stream(ended).max().orElseThrow();
    }
  }

  static Round burstRound(Row row, byte[] kinds) throws Exception {
    Tasks tasks = new Tasks(row.peer(), row.mode(), kinds);
    ThreadCounter counter = new ThreadCounter("mixed-");
    Instance instance = row.peer().start(counter);
    long start;
    try {
      instance.prepare(tasks.runnables);
      start = System.nanoTime();
      for (int i = 0; i < kinds.length; i++) {
        instance.submit(i);
      }
      tasks.await(row.peer().name());
    } finally {
      instance.close();
    }
    return new Round(tasks.lastEnd() - start, counter.peak());
  }

  static Paced pacedRound(Row row, byte[] kinds) throws Exception {
    int n = kinds.length;
    Tasks tasks = new Tasks(row.peer(), row.mode(), kinds);
    ThreadCounter counter = new ThreadCounter("mixed-");
    Instance instance = row.peer().start(counter);
    long start;
    try {
      instance.prepare(tasks.runnables);
      start = System.nanoTime() + PACE_NANOS; // leave the first arrival a clean start
      for (int i = 0; i < n; i++) {
        long due = start + i * PACE_NANOS;
        long now;
        while ((now = System.nanoTime()) < due) {
          if (due - now > 200_000) {
            LockSupport.parkNanos(due - now - 100_000);
          } else {
            Thread.onSpinWait();
          }
        }
        instance.submit(i);
      }
      tasks.await(row.peer().name());
    } finally {
      instance.close();
    }
    long[] wait = new long[n];
    long[] latency = new long[n];
    for (int i = 0; i < n; i++) {
      long due = start + i * PACE_NANOS;
      wait[i] = tasks.started[i] - due;
      latency[i] = tasks.ended[i] - due;
    }
    long lastArrival = start + (n - 1) * PACE_NANOS;
    return new Paced(
        tasks.lastEnd() - lastArrival, percentile(wait, 99), percentile(latency, 99), counter.peak());
  }

  /** Returns: the {@code p}-th percentile (nearest rank) of {@code values}, which it sorts. */
  static long percentile(long[] values, double p) {
    Arrays.sort(values);
    int rank = (int) Math.ceil(p / 100.0 * values.length);
    return values[Math.max(0, Math.min(values.length - 1, rank - 1))];
  }

  static long median(long[] values) {
    long[] copy = values.clone();
    Arrays.sort(copy);
    return copy[copy.length / 2];
  }

  static double millis(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  /** A fresh isolated cmwq runtime per round; tasks are pre-allocated {@link Work} items. */
  static final class CmwqCore implements Peer {
    private final String name;
    private final boolean unbound;

    CmwqCore(String name, boolean unbound) {
      this.name = name;
      this.unbound = unbound;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void declaredSleep() throws Exception {
      Workqueues.blocking(
          () -> {
            Thread.sleep(BLOCK_MILLIS);
            return null;
          });
    }

    @Override
    public Instance start(ThreadCounter counter) {
      WorkqueueRuntime rt = WorkqueueRuntime.builder().threadFactory(counter).build();
      Workqueue wq = unbound ? rt.systemUnboundWq() : rt.systemWq();
      return new Instance() {
        Work[] works;

        @Override
        public void prepare(Runnable[] tasks) {
          works = new Work[tasks.length];
          for (int i = 0; i < tasks.length; i++) {
            works[i] = Work.of(tasks[i]);
          }
        }

        @Override
        public void submit(int i) {
          if (!wq.queueWork(works[i])) {
            throw new IllegalStateException("work " + i + " was already pending");
          }
        }

        @Override
        public void close() throws InterruptedException {
          rt.shutdown();
          rt.awaitTermination(Duration.ofSeconds(10));
        }
      };
    }
  }

  /** cmwq bound through the Reactor adapter: {@code CmwqSchedulers.bound(runtime).schedule(task)}. */
  static final class CmwqReactor implements Peer {
    @Override
    public String name() {
      return "cmwq bound (Reactor adapter)";
    }

    @Override
    public void declaredSleep() throws Exception {
      Workqueues.blocking(
          () -> {
            Thread.sleep(BLOCK_MILLIS);
            return null;
          });
    }

    @Override
    public Instance start(ThreadCounter counter) {
      WorkqueueRuntime rt = WorkqueueRuntime.builder().threadFactory(counter).build();
      Scheduler scheduler = dev.cmwq.reactor.CmwqSchedulers.bound(rt);
      return new Instance() {
        Runnable[] tasks;

        @Override
        public void prepare(Runnable[] tasks) {
          this.tasks = tasks;
        }

        @Override
        public void submit(int i) {
          scheduler.schedule(tasks[i]);
        }

        @Override
        public void close() throws InterruptedException {
          scheduler.dispose();
          rt.shutdown();
          rt.awaitTermination(Duration.ofSeconds(10));
        }
      };
    }
  }

  /** Reactor's {@code newParallel(N)} or {@code newBoundedElastic(10 N, 100 000)}: no way to declare. */
  static final class ReactorPeer implements Peer {
    private final String name;
    private final boolean elastic;

    ReactorPeer(String name, boolean elastic) {
      this.name = name;
      this.elastic = elastic;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Instance start(ThreadCounter counter) {
      Scheduler scheduler =
          elastic
              ? Schedulers.newBoundedElastic(10 * CPUS, 100_000, counter, 60)
              : Schedulers.newParallel(CPUS, counter);
      scheduler.init();
      return new Instance() {
        Runnable[] tasks;

        @Override
        public void prepare(Runnable[] tasks) {
          this.tasks = tasks;
        }

        @Override
        public void submit(int i) {
          scheduler.schedule(tasks[i]);
        }

        @Override
        public void close() {
          // every task has finished; disposeGracefully() would leave a non-daemon helper thread
          // of Reactor's (SchedulerState) alive for seconds and delay the JVM's exit
          scheduler.dispose();
        }
      };
    }
  }

  /** {@code new ForkJoinPool(N)}; with {@code managed}, declared sleeps go through {@code managedBlock}. */
  static final class ForkJoin implements Peer {
    private final String name;
    private final boolean managed;

    ForkJoin(String name, boolean managed) {
      this.name = name;
      this.managed = managed;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void declaredSleep() throws Exception {
      if (!managed) {
        Thread.sleep(BLOCK_MILLIS);
        return;
      }
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BLOCK_MILLIS);
      ForkJoinPool.managedBlock(
          new ForkJoinPool.ManagedBlocker() {
            @Override
            public boolean block() throws InterruptedException {
              long left = until - System.nanoTime();
              if (left > 0) {
                TimeUnit.NANOSECONDS.sleep(left);
              }
              return true;
            }

            @Override
            public boolean isReleasable() {
              return System.nanoTime() - until >= 0;
            }
          });
    }

    @Override
    public Instance start(ThreadCounter counter) {
      ForkJoinPool pool = new ForkJoinPool(CPUS, counter.forkJoin(), null, false);
      return new Instance() {
        Runnable[] tasks;

        @Override
        public void prepare(Runnable[] tasks) {
          this.tasks = tasks;
        }

        @Override
        public void submit(int i) {
          pool.execute(tasks[i]);
        }

        @Override
        public void close() throws InterruptedException {
          pool.shutdown();
          pool.awaitTermination(10, TimeUnit.SECONDS);
        }
      };
    }
  }
}
