package dev.cmwq;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads race queue, queueWorkOn, cancel, cancelSync, disable/enable, flush and requeue
 * on a small shared set of work items plus fresh ones, on bound, max_active-limited bound,
 * unbound and ordered workqueues. Afterwards: no item ever overlapped itself, every successful
 * queueing ran exactly once unless a successful cancel took it, and everything is back at rest.
 */
class RaceTest extends TestRuntimes {

  /** Shared between the racing threads and the items. */
  static final class Shared {
    final AtomicInteger overlaps = new AtomicInteger();
    volatile boolean stop;
  }

  /** A work item that keeps the books the invariants are checked against. */
  static final class Tracked extends Work {
    final Workqueue home;
    final Shared shared;
    final int cpus;
    final int requeuePercent;
    /** Touched only inside execute(): the item never runs concurrently with itself. */
    private final SplittableRandom rnd;

    final AtomicInteger running = new AtomicInteger();
    final AtomicLong runs = new AtomicLong();
    /** queueWork/queueWorkOn calls on this item that returned true, from anywhere. */
    final AtomicLong queued = new AtomicLong();
    /** cancel/cancelSync/disable calls on this item that returned true. */
    final AtomicLong cancelled = new AtomicLong();

    Tracked(Workqueue home, Shared shared, int requeuePercent, long seed) {
      this.home = home;
      this.shared = shared;
      this.cpus = home.runtime().cpus();
      this.requeuePercent = requeuePercent;
      this.rnd = new SplittableRandom(seed);
    }

    @Override
    protected void execute() {
      if (running.incrementAndGet() != 1) {
        shared.overlaps.incrementAndGet();
      }
      try {
        runs.incrementAndGet();
        for (int i = rnd.nextInt(64); i > 0; i--) {
          Thread.onSpinWait();
        }
        if (!shared.stop && rnd.nextInt(100) < requeuePercent) {
          boolean ok = rnd.nextBoolean() ? home.queueWork(this) : home.queueWorkOn(rnd.nextInt(cpus), this);
          if (ok) {
            queued.incrementAndGet();
          }
        }
      } finally {
        running.decrementAndGet();
      }
    }

    boolean queue(SplittableRandom r) {
      boolean ok = r.nextBoolean() ? home.queueWork(this) : home.queueWorkOn(r.nextInt(cpus), this);
      if (ok) {
        queued.incrementAndGet();
      }
      return ok;
    }
  }

  @Test
  void queueCancelFlushAndRequeueRaceKeepsTheInvariants() throws Exception {
    race(0x5EED_C0DEL, 4, 20_000);
  }

  @Test
  @Tag("slow")
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void queueCancelFlushAndRequeueRaceKeepsTheInvariantsUnderLongerLoad() throws Exception {
    for (long seed : new long[] {1, 0xBADC0FFEEL, 42}) {
      race(seed, 8, 200_000);
    }
  }

  private void race(long seed, int threads, int opsPerThread) throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(3));
    Shared shared = new Shared();
    String suffix = "-" + Long.toHexString(seed);
    List<Workqueue> wqs =
        List.of(
            Workqueue.builder("race-bound" + suffix).runtime(rt).build(),
            Workqueue.builder("race-bound-max2" + suffix).maxActive(2).runtime(rt).build(),
            Workqueue.builder("race-unbound" + suffix).unbound().runtime(rt).build(),
            Workqueue.builder("race-ordered" + suffix).ordered().runtime(rt).build());
    SplittableRandom setup = new SplittableRandom(seed);
    List<Tracked> sharedItems = new ArrayList<>();
    for (Workqueue wq : wqs) {
      for (int i = 0; i < 6; i++) {
        // some items requeue themselves often, some never
        sharedItems.add(new Tracked(wq, shared, i % 3 == 0 ? 0 : 30, setup.nextLong()));
      }
    }
    ConcurrentLinkedQueue<Tracked> freshItems = new ConcurrentLinkedQueue<>();
    AtomicInteger freshRefused = new AtomicInteger();
    CyclicBarrier start = new CyclicBarrier(threads);
    List<CompletableFuture<Void>> racers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long threadSeed = setup.nextLong();
      CompletableFuture<Void> done = new CompletableFuture<>();
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await(10, SECONDS);
                  runOps(new SplittableRandom(threadSeed), opsPerThread, sharedItems, wqs, shared, freshItems, freshRefused);
                  done.complete(null);
                } catch (Throwable e) {
                  done.completeExceptionally(e);
                }
              },
              "racer-" + t);
      th.setDaemon(true);
      th.start();
      racers.add(done);
    }
    try {
      CompletableFuture.allOf(racers.toArray(new CompletableFuture<?>[0])).get(120, SECONDS);
    } finally {
      shared.stop = true;
    }

    // a run that started before stop may requeue once more: the second flush covers that
    for (int round = 0; round < 2; round++) {
      for (Workqueue wq : wqs) {
        wq.flushAsync().get(10, SECONDS);
      }
    }
    List<Tracked> all = new ArrayList<>(sharedItems);
    all.addAll(freshItems);
    // plain loops rather than an assertion per item: there are tens of thousands of them
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> wqs.stream().allMatch(wq -> wq.stats().inFlight() == 0) && all.stream().allMatch(w -> w.busy().isEmpty()));
    assertThat(rt.checkAtRest()).as("seed %x: at rest after the race", seed).isEmpty();

    String at = String.format("seed %x: ", seed);
    List<String> broken = new ArrayList<>();
    for (Tracked w : all) {
      long expected = w.queued.get() - w.cancelled.get();
      if (w.runs.get() != expected) {
        broken.add(
            at + w + " on " + w.home.name() + " ran " + w.runs.get() + " times; successful queueings "
                + w.queued.get() + " - successful cancels " + w.cancelled.get() + " = " + expected);
      }
    }
    for (Workqueue wq : wqs) {
      WorkqueueStats s = wq.stats();
      long runs = 0;
      for (Tracked w : all) {
        if (w.home == wq) {
          runs += w.runs.get();
        }
      }
      if (s.started() != runs || s.completed() != s.started() || s.inFlight() != 0 || s.inactive() != 0 || s.failed() != 0) {
        broken.add(at + wq.name() + ": " + s + " but its items counted " + runs + " runs");
      }
    }
    assertThat(shared.overlaps).as(at + "runs that overlapped their own item").hasValue(0);
    assertThat(freshRefused).as(at + "fresh items whose first queueing returned false").hasValue(0);
    assertThat(broken).as(at + "items and workqueues whose books do not balance").isEmpty();
    long totalRuns = all.stream().mapToLong(w -> w.runs.get()).sum();
    assertThat(totalRuns).as("the race did run items").isGreaterThan(opsPerThread);
  }

  private static void runOps(
      SplittableRandom r,
      int ops,
      List<Tracked> sharedItems,
      List<Workqueue> wqs,
      Shared shared,
      ConcurrentLinkedQueue<Tracked> freshItems,
      AtomicInteger freshRefused)
      throws Exception {
    for (int i = 0; i < ops; i++) {
      Tracked w = sharedItems.get(r.nextInt(sharedItems.size()));
      int op = r.nextInt(1000);
      if (op < 450) {
        w.queue(r);
      } else if (op < 650) {
        if (w.cancel()) {
          w.cancelled.incrementAndGet();
        }
      } else if (op < 700) {
        w.flush();
      } else if (op < 715) {
        if (w.cancelSync()) {
          w.cancelled.incrementAndGet();
        }
      } else if (op < 730) {
        if (w.disable()) {
          w.cancelled.incrementAndGet();
        }
        if (r.nextBoolean()) {
          // queueing a disabled item fails whatever else happens
          if (w.home.queueWork(w)) {
            throw new AssertionError("queueWork of a disabled item returned true: " + w);
          }
        }
        w.enable();
      } else if (op < 998) {
        Workqueue wq = wqs.get(r.nextInt(wqs.size()));
        Tracked fresh = new Tracked(wq, shared, r.nextInt(4) == 0 ? 50 : 0, r.nextLong());
        freshItems.add(fresh);
        if (!fresh.queue(r)) {
          freshRefused.incrementAndGet();
        }
        if (r.nextInt(3) == 0 && fresh.cancel()) {
          fresh.cancelled.incrementAndGet();
        }
      } else {
        wqs.get(r.nextInt(wqs.size())).flushAsync().get(10, SECONDS);
      }
    }
  }
}
