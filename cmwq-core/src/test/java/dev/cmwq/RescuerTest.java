package dev.cmwq;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Forward progress when no worker can be had (spec §2.4, §3.6, §3.7, §6 items 14–15; DESIGN §8):
 * a {@code memReclaim()} workqueue's rescuer runs its items on a pool that has hit the worker cap
 * or whose thread factory fails; other workqueues' items wait, and nothing is lost.
 */
class RescuerTest extends TestRuntimes {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** A thread-name prefix no other runtime in this JVM uses. */
  private static String uniquePrefix(String tag) {
    return "rq" + PREFIXES.incrementAndGet() + "-" + tag + "/";
  }

  private static Optional<Thread> liveThreadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name) && t.isAlive()).findFirst();
  }

  /** A thread factory that makes {@code n} threads, then throws. */
  private static final class FailingFactory implements ThreadFactory {
    private final int n;
    final AtomicInteger made = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    FailingFactory(int n) {
      this.n = n;
    }

    @Override
    public Thread newThread(Runnable r) {
      if (made.get() >= n) {
        refused.incrementAndGet();
        throw new IllegalStateException("no more threads (test factory)");
      }
      made.incrementAndGet();
      return new Thread(r);
    }
  }

  /**
   * The proof. Two items of a plain workqueue block on a latch and take both workers the
   * runtime may have; an item of a memReclaim() workqueue, the only one that can release them,
   * still runs, on the rescuer; plain items queued meanwhile wait and all run afterwards.
   */
  private void rescuerReleasesTheDeadlock(WorkqueueRuntime rt, String prefix, boolean unbound) throws Exception {
    Workqueue.Builder plainB = Workqueue.builder(unbound ? "rq-plain-u" : "rq-plain-b").runtime(rt);
    Workqueue.Builder reclaimB = Workqueue.builder(unbound ? "rq-reclaim-u" : "rq-reclaim-b").memReclaim().runtime(rt);
    if (unbound) {
      plainB.unbound();
      reclaimB.unbound();
    }
    Workqueue plain = plainB.build();
    Workqueue reclaim = reclaimB.build();
    String rescuerName = prefix + "R-" + reclaim.name();

    CountDownLatch blockersStarted = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    ConcurrentLinkedQueue<String> blockerThreads = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < 2; i++) {
      int id = i;
      Work blocker =
          Work.of(
              () -> {
                blockerThreads.add(Thread.currentThread().getName());
                blockersStarted.countDown();
                try {
                  // declared, so a bound pool does not wait for the sampler to notice
                  boolean ok = Workqueues.blocking(() -> release.await(20, SECONDS));
                  if (!ok) {
                    problems.add("blocker " + id + " was never released");
                  }
                } catch (Exception e) {
                  problems.add("blocker " + id + ": " + e);
                }
              });
      assertThat(plain.queueWorkOn(0, blocker)).isTrue();
    }
    awaitLatch(blockersStarted, "both blockers hold a worker");
    assertThat(rt.workerCount()).as("the cap is reached").isEqualTo(2);

    // plain items queued before and after the rescuable one: they must wait, not be rescued
    int waiters = 4;
    CountDownLatch waitersRan = new CountDownLatch(waiters);
    ConcurrentLinkedQueue<String> waiterThreads = new ConcurrentLinkedQueue<>();
    List<Work> waiterWorks = new ArrayList<>();
    for (int i = 0; i < waiters; i++) {
      waiterWorks.add(
          Work.of(
              () -> {
                waiterThreads.add(Thread.currentThread().getName());
                if (release.getCount() != 0) {
                  problems.add("a waiter ran before the blockers were released");
                }
                waitersRan.countDown();
              }));
    }
    assertThat(plain.queueWorkOn(0, waiterWorks.get(0))).isTrue();
    assertThat(plain.queueWorkOn(0, waiterWorks.get(1))).isTrue();

    AtomicReference<String> rescueThread = new AtomicReference<>();
    CountDownLatch rescued = new CountDownLatch(1);
    assertThat(
            reclaim.queueWorkOn(
                0,
                Work.of(
                    () -> {
                      rescueThread.set(Thread.currentThread().getName());
                      release.countDown();
                      rescued.countDown();
                    })))
        .isTrue();
    assertThat(plain.queueWorkOn(0, waiterWorks.get(2))).isTrue();
    assertThat(plain.queueWorkOn(0, waiterWorks.get(3))).isTrue();

    try {
      awaitLatch(rescued, "the memReclaim item ran although no worker could be had");
    } finally {
      release.countDown();
    }
    assertThat(rescueThread.get()).as("it ran on the rescuer").isEqualTo(rescuerName);
    awaitLatch(waitersRan, "the waiting plain items ran after all");
    plain.flush();
    reclaim.flush();

    assertThat(problems).isEmpty();
    assertThat(waiterThreads).as("the rescuer runs only its own workqueue's items").doesNotContain(rescuerName);
    assertThat(blockerThreads).doesNotContain(rescuerName);
    WorkqueueStats r = reclaim.stats();
    assertThat(r.mayday()).isGreaterThanOrEqualTo(1);
    assertThat(r.rescued()).isEqualTo(1);
    assertThat(r.completed()).isEqualTo(1);
    WorkqueueStats p = plain.stats();
    assertThat(p.completed()).isEqualTo(2 + waiters);
    assertThat(p.mayday()).as("no rescuer, no mayday").isZero();
    assertThat(p.rescued()).isZero();
    assertThat(rt.workerCount()).isLessThanOrEqualTo(2);
  }

  @ParameterizedTest(name = "unbound={0}")
  @ValueSource(booleans = {true, false})
  void theRescuerRunsMemReclaimWorkWhenTheWorkerCapIsReached(boolean unbound) throws Exception {
    String prefix = uniquePrefix("cap");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).maxWorkers(2).threadNamePrefix(prefix));
    rescuerReleasesTheDeadlock(rt, prefix, unbound);
  }

  @ParameterizedTest(name = "unbound={0}")
  @ValueSource(booleans = {true, false})
  void theRescuerRunsMemReclaimWorkWhenTheThreadFactoryFails(boolean unbound) throws Exception {
    String prefix = uniquePrefix("factory");
    FailingFactory factory = new FailingFactory(2);
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).threadFactory(factory).threadNamePrefix(prefix));
    rescuerReleasesTheDeadlock(rt, prefix, unbound);
    assertThat(factory.refused.get()).as("creation was attempted and failed").isGreaterThanOrEqualTo(1);
    assertThat(factory.made.get()).isEqualTo(2);
  }

  @Test
  void theRescuerThreadExistsFromBuildOutsideTheCapAndExitsOnDestroy() throws Exception {
    String prefix = uniquePrefix("life");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).maxWorkers(1).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("rq-life").memReclaim().runtime(rt).build();
    String name = prefix + "R-rq-life";

    Thread rescuer = liveThreadNamed(name).orElseThrow(() -> new AssertionError("no thread " + name + " after build"));
    assertThat(rescuer.isDaemon()).isTrue();
    assertThat(rt.workerCount()).as("the rescuer is not a pool worker").isZero();
    assertThat(rt.workers().total()).isZero();
    assertThat(rt.dump()).contains(name);

    // with a cap of one worker, the rescuer does not use it up: work still gets a worker
    CountDownLatch ran = new CountDownLatch(1);
    AtomicReference<String> ranOn = new AtomicReference<>();
    assertThat(
            wq.queueWork(
                Work.of(
                    () -> {
                      ranOn.set(Thread.currentThread().getName());
                      ran.countDown();
                    })))
        .isTrue();
    awaitLatch(ran, "an item ran");
    wq.flush();
    assertThat(ranOn.get()).startsWith(prefix + "0:");
    assertThat(rt.workerCount()).isEqualTo(1);
    assertThat(wq.stats().mayday()).isZero();
    assertThat(wq.stats().rescued()).isZero();

    wq.destroy();
    rescuer.join(10_000);
    assertThat(rescuer.isAlive()).as("rescuer exited after destroy()").isFalse();
    assertThat(liveThreadNamed(name)).isEmpty();
  }

  @Test
  void theRescuerThreadExitsOnRuntimeShutdown() throws Exception {
    String prefix = uniquePrefix("down");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadNamePrefix(prefix));
    Workqueue a = Workqueue.builder("rq-down-a").memReclaim().runtime(rt).build();
    Workqueue b = Workqueue.builder("rq-down-b").memReclaim().unbound().runtime(rt).build();
    Thread ra = liveThreadNamed(prefix + "R-rq-down-a").orElseThrow();
    Thread rb = liveThreadNamed(prefix + "R-rq-down-b").orElseThrow();
    CountDownLatch ran = new CountDownLatch(2);
    assertThat(a.queueWork(Work.of(ran::countDown))).isTrue();
    assertThat(b.queueWork(Work.of(ran::countDown))).isTrue();
    awaitLatch(ran, "items ran");
    a.flush();
    b.flush();

    rt.shutdown();
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(ra.isAlive()).isFalse();
    assertThat(rb.isAlive()).isFalse();
    assertThat(Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)))
        .as("threads of the runtime left after shutdown")
        .isEmpty();
  }

  @Test
  void withTheCapReachedAndNoRescuerQueuedWorkWaitsAndRunsOnceAWorkerFreesUp() throws Exception {
    String prefix = uniquePrefix("wait");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).maxWorkers(2).threadNamePrefix(prefix));
    Workqueue wq = Workqueue.builder("rq-wait").unbound().runtime(rt).build();
    CountDownLatch blockersStarted = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    for (int i = 0; i < 2; i++) {
      assertThat(
              wq.queueWork(
                  Work.of(
                      () -> {
                        blockersStarted.countDown();
                        try {
                          release.await(20, SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      })))
          .isTrue();
    }
    int n = 5;
    CountDownLatch ran = new CountDownLatch(n);
    AtomicInteger ranEarly = new AtomicInteger();
    List<Work> waiting = new ArrayList<>();
    try {
      awaitLatch(blockersStarted, "both workers busy");
      for (int i = 0; i < n; i++) {
        Work w =
            Work.of(
                () -> {
                  if (release.getCount() != 0) {
                    ranEarly.incrementAndGet();
                  }
                  ran.countDown();
                });
        waiting.add(w);
        assertThat(wq.queueWork(w)).isTrue();
      }
      assertThat(ran.await(300, MILLISECONDS)).as("an item ran with no worker free").isFalse();
      assertThat(waiting).allSatisfy(w -> assertThat(w.isPending()).isTrue());
      assertThat(wq.stats().inFlight()).isEqualTo(2);
      assertThat(rt.workerCount()).isEqualTo(2);
    } finally {
      release.countDown();
    }
    awaitLatch(ran, "the waiting items ran once the workers were free");
    wq.flush();
    assertThat(ranEarly.get()).isZero();
    WorkqueueStats s = wq.stats();
    assertThat(s.completed()).isEqualTo(2 + n);
    assertThat(s.mayday()).isZero();
    assertThat(s.rescued()).isZero();
  }
}
