package dev.cmwq.benchmarks;

import dev.cmwq.DelayedWork;
import dev.cmwq.Work;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What a scheduler costs while it has nothing to do (DESIGN §9, "idle cost": no busy thread and
 * no periodic wake-up when nothing is queued or due).
 *
 * <p>Each peer is built, runs a burst of 1 000 no-op tasks, gets one timer armed an hour ahead
 * (armed but not due), and is then left alone for a settling second. Over the measured window
 * (2 s) the harness reads, for the peer's threads only (found by their names): their CPU time
 * ({@link ThreadMXBean}) and how often the OS switched them out (voluntary plus involuntary
 * context switches in {@code /proc/self/task/<tid>/status}: one per wake-up of a thread that
 * sleeps again). Without {@code /proc} (not Linux) the wake-ups read "n/a".
 *
 * <p>Peers: cmwq (an isolated runtime: its bound and unbound system workqueues and a
 * {@link DelayedWork}), Reactor {@code newParallel(N)} and {@code newBoundedElastic}, Netty
 * {@code HashedWheelTimer} (1 ms tick) and {@code ForkJoinPool(N)} (no timer of its own: tasks
 * only). Every peer is shut down after its window.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.cmwq.benchmarks.IdleCost [--quick] [--json FILE]
 * [windowMs=2000]}.
 */
public final class IdleCost {

  private IdleCost() {}

  /** A peer under test: its threads' name prefix, and how to make it busy, then idle. */
  interface Peer {
    String name();

    /** The prefix every thread of this peer's name starts with (its native name too). */
    String prefix();

    /** Builds the peer, runs the burst, arms the far timer; returns once the burst is done. */
    void start(int tasks) throws Exception;

    void stop() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    HarnessArgs a = HarnessArgs.parse(args);
    int windowMs = a.intArg(0, a.quick() ? 300 : 2_000);
    Map<String, Object> report = run(windowMs, a.quick() ? 100 : 1_000, a.quick() ? 100 : 1_000);
    if (a.json() != null) {
      Json.write(a.json(), report);
    }
  }

  static Map<String, Object> run(int windowMs, int tasks, int settleMs) throws Exception {
    List<Peer> peers = List.of(new Cmwq(), new ReactorParallel(), new ReactorBoundedElastic(), new Netty(), new Fjp());
    System.out.printf(
        Locale.ROOT,
        "IdleCost: %d tasks, one timer armed 1 h ahead, %d ms to settle, then a %d ms window; %s %s, %d CPUs%n%n",
        tasks,
        settleMs,
        windowMs,
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    System.out.printf(Locale.ROOT, "%-26s %8s %14s %14s%n", "peer", "threads", "CPU ms/s", "wake-ups/s");
    List<Object> rows = new ArrayList<>();
    for (Peer p : peers) {
      p.start(tasks);
      try {
        Thread.sleep(settleMs); // the measurement is of an idle peer: let it settle first
        Snapshot before = Snapshot.take(p.prefix());
        Thread.sleep(windowMs);
        Snapshot after = Snapshot.take(p.prefix());
        double seconds = windowMs / 1000.0;
        double cpuMsPerS = (after.cpuNanos - before.cpuNanos) / 1e6 / seconds;
        Double wakeups =
            after.switches < 0 || before.switches < 0 ? null : (after.switches - before.switches) / seconds;
        System.out.printf(
            Locale.ROOT,
            "%-26s %8d %14.3f %14s%n",
            p.name(),
            after.threads,
            cpuMsPerS,
            wakeups == null ? "n/a" : String.format(Locale.ROOT, "%.1f", wakeups));
        Map<String, Object> row = Json.object();
        row.put("peer", p.name());
        row.put("threads", after.threads);
        row.put("cpuMsPerS", cpuMsPerS);
        row.put("wakeupsPerS", wakeups);
        rows.add(row);
      } finally {
        p.stop();
      }
    }
    Map<String, Object> report = Json.object();
    report.put("harness", "IdleCost");
    Map<String, Object> params = Json.object();
    params.put("tasks", tasks);
    params.put("settleMs", settleMs);
    params.put("windowMs", windowMs);
    report.put("params", params);
    report.put("rows", rows);
    return report;
  }

  /** CPU time and context switches of the live threads whose names start with a prefix. */
  record Snapshot(int threads, long cpuNanos, long switches) {

    static Snapshot take(String prefix) {
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      int threads = 0;
      long cpu = 0;
      for (Thread t : Thread.getAllStackTraces().keySet()) {
        if (t.isAlive() && t.getName().startsWith(prefix)) {
          threads++;
          long c = mx.getThreadCpuTime(t.getId());
          cpu += Math.max(c, 0);
        }
      }
      return new Snapshot(threads, cpu, switches(prefix));
    }

    /**
     * Returns: the summed context switches of this process's tasks whose OS name (a thread's
     * name, cut to 15 bytes) starts with {@code prefix}, or -1 without {@code /proc}.
     */
    static long switches(String prefix) {
      Path tasks = Path.of("/proc/self/task");
      if (!Files.isDirectory(tasks)) {
        return -1;
      }
      String osPrefix = prefix.length() > 15 ? prefix.substring(0, 15) : prefix;
      long sum = 0;
      try (Stream<Path> dirs = Files.list(tasks)) {
        for (Path dir : (Iterable<Path>) dirs::iterator) {
          try {
            String comm = Files.readString(dir.resolve("comm")).strip();
            if (!comm.startsWith(osPrefix)) {
              continue;
            }
            for (String line : Files.readAllLines(dir.resolve("status"))) {
              if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                sum += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
              }
            }
          } catch (IOException | NumberFormatException e) {
            // the thread ended between the listing and the read: it no longer counts
          }
        }
      } catch (IOException e) {
        return -1;
      }
      return sum;
    }
  }

  static void await(CountDownLatch done, String what) throws InterruptedException {
    if (!done.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(what + ": " + done.getCount() + " tasks never ran");
    }
  }

  /** cmwq: an isolated runtime, bound and unbound items, one {@link DelayedWork} armed 1 h ahead. */
  static final class Cmwq implements Peer {
    WorkqueueRuntime rt;
    DelayedWork far;

    @Override
    public String name() {
      return "cmwq";
    }

    @Override
    public String prefix() {
      return "idle-cmwq/";
    }

    @Override
    public void start(int tasks) throws InterruptedException {
      rt = WorkqueueRuntime.builder().threadNamePrefix(prefix()).build();
      CountDownLatch done = new CountDownLatch(tasks);
      for (int i = 0; i < tasks; i++) {
        Workqueue wq = (i & 1) == 0 ? rt.systemWq() : rt.systemUnboundWq();
        wq.queueWork(Work.of(done::countDown));
      }
      await(done, name());
      far = DelayedWork.of(() -> {});
      rt.systemWq().queueDelayedWork(far, Duration.ofHours(1));
    }

    @Override
    public void stop() throws InterruptedException {
      far.cancel();
      rt.shutdown();
      rt.awaitTermination(Duration.ofSeconds(10));
    }
  }

  /** Reactor's {@code newParallel(N)}: tasks, then a task scheduled 1 h ahead. */
  static final class ReactorParallel implements Peer {
    Scheduler scheduler;
    Disposable far;

    @Override
    public String name() {
      return "Reactor parallel()";
    }

    @Override
    public String prefix() {
      return "idle-parallel";
    }

    @Override
    public void start(int tasks) throws InterruptedException {
      scheduler =
          Schedulers.newParallel(Runtime.getRuntime().availableProcessors(), r -> TimerBenchmark.daemon(r, prefix()));
      burst(scheduler, tasks, name());
      far = scheduler.schedule(() -> {}, 1, TimeUnit.HOURS);
    }

    @Override
    public void stop() {
      far.dispose();
      scheduler.dispose();
    }
  }

  /** Reactor's {@code newBoundedElastic} with the defaults of {@code boundedElastic()}. */
  static final class ReactorBoundedElastic implements Peer {
    Scheduler scheduler;
    Disposable far;

    @Override
    public String name() {
      return "Reactor boundedElastic()";
    }

    @Override
    public String prefix() {
      return "idle-elastic";
    }

    @Override
    public void start(int tasks) throws InterruptedException {
      scheduler =
          Schedulers.newBoundedElastic(
              Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE,
              Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
              prefix(),
              60,
              true);
      burst(scheduler, tasks, name());
      far = scheduler.schedule(() -> {}, 1, TimeUnit.HOURS);
    }

    @Override
    public void stop() {
      far.dispose();
      scheduler.dispose();
    }
  }

  static void burst(Scheduler scheduler, int tasks, String what) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(tasks);
    for (int i = 0; i < tasks; i++) {
      scheduler.schedule(done::countDown);
    }
    await(done, what);
  }

  /** Netty's {@code HashedWheelTimer}, 1 ms tick: timeouts only (it runs tasks on its tick thread). */
  static final class Netty implements Peer {
    HashedWheelTimer timer;
    Timeout far;

    @Override
    public String name() {
      return "Netty HWT (1 ms tick)";
    }

    @Override
    public String prefix() {
      return "idle-hwt";
    }

    @Override
    public void start(int tasks) throws InterruptedException {
      timer = new HashedWheelTimer(r -> TimerBenchmark.daemon(r, prefix()), 1, TimeUnit.MILLISECONDS);
      CountDownLatch done = new CountDownLatch(tasks);
      for (int i = 0; i < tasks; i++) {
        timer.newTimeout(t -> done.countDown(), 1, TimeUnit.MILLISECONDS);
      }
      await(done, name());
      far = timer.newTimeout(t -> {}, 1, TimeUnit.HOURS);
    }

    @Override
    public void stop() {
      far.cancel();
      timer.stop();
    }
  }

  /** {@code ForkJoinPool(N)}: tasks only; it has no timer. */
  static final class Fjp implements Peer {
    ForkJoinPool pool;

    @Override
    public String name() {
      return "ForkJoinPool (no timer)";
    }

    @Override
    public String prefix() {
      return "idle-fjp";
    }

    @Override
    public void start(int tasks) throws InterruptedException {
      pool =
          new ForkJoinPool(
              Runtime.getRuntime().availableProcessors(),
              p -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                t.setName(prefix() + "-" + t.getPoolIndex());
                return t;
              },
              null,
              false);
      CountDownLatch done = new CountDownLatch(tasks);
      for (int i = 0; i < tasks; i++) {
        pool.execute(done::countDown);
      }
      await(done, name());
    }

    @Override
    public void stop() throws InterruptedException {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
