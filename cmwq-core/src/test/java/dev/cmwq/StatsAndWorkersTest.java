package dev.cmwq;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Stats invariants (spec §6 item 18), concurrency management through declared blocking (spec §6
 * item 12), worker threads (names, priority, daemon, factory), the work_on_cpu family, and
 * shutdown.
 */
class StatsAndWorkersTest extends TestRuntimes {

  private static void await(CountDownLatch gate) {
    try {
      if (!gate.await(10, SECONDS)) {
        throw new AssertionError("gate was not opened in time");
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  // ---- stats ----

  @Test
  void inFlightIsStartedMinusCompletedWhileABatchRuns() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("st-batch").runtime(rt).build();
    WorkqueueStats idle = wq.stats();
    assertThat(idle.started()).isZero();
    assertThat(idle.completed()).isZero();
    assertThat(idle.inFlight()).isZero();
    assertThat(idle.inactive()).isZero();

    int n = 3000;
    for (int i = 0; i < n; i++) {
      int x = i;
      assertThat(wq.queueWork(Work.of(() -> Integer.toString(x).hashCode()))).isTrue();
    }
    CompletableFuture<Void> flushed = wq.flushAsync();
    long lastStarted = 0;
    long lastCompleted = 0;
    int samples = 0;
    while (!flushed.isDone() || samples < 10) {
      WorkqueueStats s = wq.stats();
      assertThat(s.inFlight()).isEqualTo(s.started() - s.completed());
      assertThat(s.completed()).isLessThanOrEqualTo(s.started());
      assertThat(s.started()).isLessThanOrEqualTo(n).isGreaterThanOrEqualTo(lastStarted);
      assertThat(s.completed()).isGreaterThanOrEqualTo(lastCompleted);
      lastStarted = s.started();
      lastCompleted = s.completed();
      samples++;
    }
    flushed.get(10, SECONDS);
    WorkqueueStats after = wq.stats();
    assertThat(after.started()).isEqualTo(n);
    assertThat(after.completed()).isEqualTo(n);
    assertThat(after.inFlight()).isZero();
    assertThat(after.inactive()).isZero();
    assertThat(after.failed()).isZero();
  }

  @Test
  void inFlightCountsRunningItemsAndInactiveCountsHeldBackOnes() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("st-infl").unbound().maxActive(2).runtime(rt).build();
    CountDownLatch started = new CountDownLatch(2);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(5);
    for (int i = 0; i < 5; i++) {
      wq.queueWork(
          Work.of(
              () -> {
                started.countDown();
                await(gate);
                done.countDown();
              }));
    }
    awaitLatch(started);
    WorkqueueStats s = wq.stats();
    assertThat(s.started()).isEqualTo(2);
    assertThat(s.completed()).isZero();
    assertThat(s.inFlight()).isEqualTo(2);
    assertThat(s.inactive()).isEqualTo(3);

    gate.countDown();
    awaitLatch(done);
    wq.flush();
    WorkqueueStats after = wq.stats();
    assertThat(after.started()).isEqualTo(5);
    assertThat(after.completed()).isEqualTo(5);
    assertThat(after.inFlight()).isZero();
    assertThat(after.inactive()).isZero();
  }

  // ---- concurrency management through declared blocking ----

  /** How item A blocks once the test lets it: declared to concurrency management. */
  private interface DeclaredWait {
    void await(CountDownLatch latch) throws Exception;
  }

  /**
   * On a 1-CPU runtime: while A runs without declaring anything, B queued on the same slot does
   * not start; once A blocks through {@code declared}, B starts while A is still blocked.
   */
  private void secondItemStartsOnlyOnceTheFirstDeclaresBlocking(String name, DeclaredWait declared)
      throws Exception {
    // CPU-hog detection off: A's undeclared phase must not be taken for CPU-intensive work
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue wq = Workqueue.builder(name).runtime(rt).build();
    CountDownLatch aRunning = new CountDownLatch(1);
    CountDownLatch aMayBlock = new CountDownLatch(1);
    CountDownLatch aUnblock = new CountDownLatch(1);
    CountDownLatch aDone = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    AtomicInteger aFailures = new AtomicInteger();
    Work a =
        Work.of(
            () -> {
              aRunning.countDown();
              // wait for the latch without parking: the thread stays RUNNABLE and does not
              // declare anything, so concurrency management must see it as running
              while (aMayBlock.getCount() > 0) {
                Thread.onSpinWait();
              }
              try {
                declared.await(aUnblock);
              } catch (Exception e) {
                aFailures.incrementAndGet();
              }
              aDone.countDown();
            });
    Work b = Work.of(bStarted::countDown);
    try {
      assertThat(wq.queueWork(a)).isTrue();
      awaitLatch(aRunning);
      assertThat(wq.queueWork(b)).isTrue();
      assertThat(wq.queueWorkOn(0, b)).as("B is pending").isFalse();
      assertThat(bStarted.await(200, MILLISECONDS)).as("B started while A ran undeclared").isFalse();
      assertThat(b.isPending()).isTrue();
      assertThat(wq.stats().cmWakeups()).isZero();

      aMayBlock.countDown();
      awaitLatch(bStarted);
      assertThat(aDone.getCount()).as("A is still blocked when B starts").isEqualTo(1);
      assertThat(a.busy()).contains(WorkBusy.RUNNING);
    } finally {
      aMayBlock.countDown();
      aUnblock.countDown();
    }
    awaitLatch(aDone);
    wq.flush();
    assertThat(aFailures.get()).isZero();
    WorkqueueStats s = wq.stats();
    assertThat(s.cmWakeups()).isGreaterThan(0);
    assertThat(s.completed()).isEqualTo(2);
  }

  @Test
  void blockingDeclaredThroughWorkqueuesBlockingLetsTheNextItemStart() throws Exception {
    secondItemStartsOnlyOnceTheFirstDeclaresBlocking(
        "st-cm-blocking",
        latch -> {
          Boolean ok = Workqueues.blocking(() -> latch.await(10, SECONDS));
          if (!ok) {
            throw new AssertionError("not unblocked in time");
          }
        });
  }

  @Test
  void blockingDeclaredThroughManagedBlockLetsTheNextItemStart() throws Exception {
    secondItemStartsOnlyOnceTheFirstDeclaresBlocking(
        "st-cm-managed",
        latch ->
            Workqueues.managedBlock(
                new ForkJoinPool.ManagedBlocker() {
                  @Override
                  public boolean block() throws InterruptedException {
                    latch.await(10, SECONDS);
                    return true;
                  }

                  @Override
                  public boolean isReleasable() {
                    return latch.getCount() == 0;
                  }
                }));
  }

  @Test
  void blockingOutsideAWorkerJustCallsTheCallable() throws Exception {
    assertThat(Workqueues.blocking(() -> "plain")).isEqualTo("plain");
    assertThatThrownBy(() -> Workqueues.blocking(() -> {
          throw new IOException("io");
        }))
        .isInstanceOf(IOException.class)
        .hasMessage("io");
    AtomicInteger blocks = new AtomicInteger();
    Workqueues.managedBlock(
        new ForkJoinPool.ManagedBlocker() {
          @Override
          public boolean block() {
            blocks.incrementAndGet();
            return true;
          }

          @Override
          public boolean isReleasable() {
            return blocks.get() > 0;
          }
        });
    assertThat(blocks.get()).isEqualTo(1);
  }

  @Test
  void anUnboundWorkqueueRunsBlockedItemsConcurrentlyOnOneWorkerEach() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue wq = Workqueue.builder("st-unbound").unbound().runtime(rt).build();
    int n = 6;
    CountDownLatch started = new CountDownLatch(n);
    CountDownLatch gate = new CountDownLatch(1);
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    try {
      for (int i = 0; i < n; i++) {
        assertThat(
                wq.queueWork(
                    Work.of(
                        () -> {
                          threads.add(Thread.currentThread());
                          started.countDown();
                          await(gate); // undeclared: unbound pools are not concurrency-managed
                        })))
            .isTrue();
      }
      awaitLatch(started);
      assertThat(threads).hasSize(n);
      assertThat(rt.workerCount()).isGreaterThanOrEqualTo(n);
      assertThat(wq.stats().inFlight()).isEqualTo(n);
    } finally {
      gate.countDown();
    }
    wq.flush();
  }

  // ---- worker threads ----

  private record Seen(String name, int priority, boolean daemon, Thread thread) {}

  private static Seen seenOn(Workqueue wq, int cpu) throws Exception {
    CompletableFuture<Seen> f = new CompletableFuture<>();
    Work w =
        Work.of(
            () -> {
              Thread t = Thread.currentThread();
              f.complete(new Seen(t.getName(), t.getPriority(), t.isDaemon(), t));
            });
    assertThat(cpu < 0 ? wq.queueWork(w) : wq.queueWorkOn(cpu, w)).isTrue();
    Seen s = f.get(10, SECONDS);
    wq.flush();
    return s;
  }

  @Test
  void workerThreadsAreNamedLikeKworkersAndAreDaemons() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    Workqueue bound = Workqueue.builder("st-names").runtime(rt).build();
    Workqueue highpri = Workqueue.builder("st-names-hi").highpri().runtime(rt).build();
    Workqueue unbound = Workqueue.builder("st-names-u").unbound().runtime(rt).build();

    for (int cpu = 0; cpu < 2; cpu++) {
      Seen b = seenOn(bound, cpu);
      assertThat(b.name()).matches("kworker/" + cpu + ":\\d+");
      assertThat(b.daemon()).isTrue();
      assertThat(b.priority()).isEqualTo(Thread.NORM_PRIORITY);

      Seen h = seenOn(highpri, cpu);
      assertThat(h.name()).matches("kworker/" + cpu + ":\\d+H");
      assertThat(h.daemon()).isTrue();
      assertThat(h.priority()).isGreaterThan(Thread.NORM_PRIORITY);

      Seen sys = seenOn(rt.systemHighpriWq(), cpu);
      assertThat(sys.name()).matches("kworker/" + cpu + ":\\d+H");
      assertThat(sys.priority()).isGreaterThan(Thread.NORM_PRIORITY);
    }
    Seen u = seenOn(unbound, -1);
    assertThat(u.name()).matches("kworker/u\\d+:\\d+");
    assertThat(u.daemon()).isTrue();
    Seen su = seenOn(rt.systemUnboundWq(), -1);
    assertThat(su.name()).matches("kworker/u\\d+:\\d+");
  }

  @Test
  void aCustomThreadNamePrefixIsApplied() throws Exception {
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadNamePrefix("mywq-"));
    Workqueue bound = Workqueue.builder("st-prefix").runtime(rt).build();
    Workqueue highpri = Workqueue.builder("st-prefix-hi").highpri().runtime(rt).build();
    Workqueue unbound = Workqueue.builder("st-prefix-u").unbound().runtime(rt).build();
    assertThat(seenOn(bound, 1).name()).matches("mywq-1:\\d+");
    assertThat(seenOn(highpri, 0).name()).matches("mywq-0:\\d+H");
    assertThat(seenOn(unbound, -1).name()).matches("mywq-u\\d+:\\d+");
  }

  private static final class FactoryThread extends Thread {
    FactoryThread(Runnable r) {
      super(r, "from-the-factory");
      setDaemon(false);
    }
  }

  @Test
  void aCustomThreadFactoryMakesTheWorkers() throws Exception {
    AtomicInteger made = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          made.incrementAndGet();
          return new FactoryThread(r);
        };
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadFactory(factory));
    Workqueue bound = Workqueue.builder("st-factory").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("st-factory-u").unbound().runtime(rt).build();
    Seen b = seenOn(bound, 0);
    Seen u = seenOn(unbound, -1);
    assertThat(b.thread()).isInstanceOf(FactoryThread.class);
    assertThat(u.thread()).isInstanceOf(FactoryThread.class);
    // the runtime still names them and makes them daemons
    assertThat(b.name()).matches("kworker/0:\\d+");
    assertThat(u.name()).matches("kworker/u\\d+:\\d+");
    assertThat(b.daemon()).isTrue();
    assertThat(u.daemon()).isTrue();
    assertThat(made.get()).as("threads the factory made").isGreaterThanOrEqualTo(2);
  }

  @Test
  void runtimeBuilderRejectsBadSizes() {
    assertThatThrownBy(() -> WorkqueueRuntime.builder().maxWorkers(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWorkers");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().maxWorkers(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWorkers");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().cpus(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpus");
    assertThatThrownBy(() -> WorkqueueRuntime.builder().cpus(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cpus");
    WorkqueueRuntime one = runtime(WorkqueueRuntime.builder().cpus(1).maxWorkers(1));
    assertThat(one.cpus()).isEqualTo(1);
  }

  // ---- work_on_cpu, schedule_on_each_cpu, execute_in_process_context ----

  @Test
  void workOnCpuReturnsTheValueAndRunsOnThatSlot() throws Exception {
    WorkqueueRuntime rt = runtime(2);
    for (int cpu = 0; cpu < 2; cpu++) {
      String name = Workqueues.workOnCpu(rt, cpu, () -> Thread.currentThread().getName());
      assertThat(name).matches("kworker/" + cpu + ":\\d+");
    }
    assertThat(Workqueues.workOnCpu(rt, 1, () -> 42)).isEqualTo(42);
    assertThat(Workqueues.<String>workOnCpu(rt, 0, () -> null)).isNull();
    assertThatThrownBy(() -> Workqueues.workOnCpu(rt, 2, () -> 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void workOnCpuRethrowsWhatTheCallableThrows() {
    WorkqueueRuntime rt = runtime(2);
    assertThatThrownBy(() -> Workqueues.workOnCpu(rt, 1, () -> {
          throw new IOException("disk on fire");
        }))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("disk on fire");
    assertThatThrownBy(() -> Workqueues.workOnCpu(rt, 0, () -> {
          throw new IllegalArgumentException("bad arg");
        }))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad arg");
  }

  @Test
  void scheduleOnEachCpuRunsOncePerSlotOnThatSlotsThread() throws Exception {
    WorkqueueRuntime rt = runtime(3);
    ConcurrentLinkedQueue<String> names = new ConcurrentLinkedQueue<>();
    Workqueues.scheduleOnEachCpu(rt, () -> names.add(Thread.currentThread().getName()));
    assertThat(names).hasSize(3);
    Pattern p = Pattern.compile("kworker/(\\d+):\\d+");
    Set<Integer> slots =
        names.stream()
            .map(
                n -> {
                  Matcher m = p.matcher(n);
                  assertThat(m.matches()).as("bound worker name: %s", n).isTrue();
                  return Integer.parseInt(m.group(1));
                })
            .collect(Collectors.toSet());
    assertThat(slots).containsExactlyInAnyOrder(0, 1, 2);
  }

  @Test
  void executeInProcessContextRunsInlineOnAPlainThreadAndOnAWorker() throws Exception {
    Thread me = Thread.currentThread();
    List<Thread> ranOn = Collections.synchronizedList(new ArrayList<>());
    assertThat(Workqueues.executeInProcessContext(() -> ranOn.add(Thread.currentThread()))).isTrue();
    assertThat(ranOn).containsExactly(me);

    WorkqueueRuntime rt = runtime(1);
    CompletableFuture<Boolean> inline = new CompletableFuture<>();
    CompletableFuture<Thread> worker = new CompletableFuture<>();
    CompletableFuture<Thread> fnThread = new CompletableFuture<>();
    rt.systemWq()
        .queueWork(
            Work.of(
                () -> {
                  worker.complete(Thread.currentThread());
                  inline.complete(Workqueues.executeInProcessContext(() -> fnThread.complete(Thread.currentThread())));
                }));
    assertThat(inline.get(10, SECONDS)).as("a cmwq worker may block").isTrue();
    assertThat(fnThread.get(10, SECONDS)).isSameAs(worker.get(10, SECONDS));
  }

  // ---- shutdown ----

  @Test
  void shutdownRejectsNewWorkRunsQueuedWorkAndLeavesNoThread() throws Exception {
    String prefix = "st-shutdown-" + System.nanoTime() + "/";
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(2).threadNamePrefix(prefix));
    Workqueue bound = Workqueue.builder("st-sd").runtime(rt).build();
    Workqueue unbound = Workqueue.builder("st-sd-u").unbound().runtime(rt).build();
    Set<Thread> workers = ConcurrentHashMap.newKeySet();
    workers.add(seenOn(unbound, -1).thread());

    CountDownLatch aRunning = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch ran = new CountDownLatch(2);
    bound.queueWorkOn(
        0,
        Work.of(
            () -> {
              workers.add(Thread.currentThread());
              aRunning.countDown();
              await(gate);
              ran.countDown();
            }));
    awaitLatch(aRunning);
    // queued behind A on its slot: must still run after shutdown
    bound.queueWorkOn(
        0,
        Work.of(
            () -> {
              workers.add(Thread.currentThread());
              ran.countDown();
            }));

    rt.shutdown();
    assertThat(rt.isShutdown()).isTrue();
    Work late = Work.of(() -> {});
    assertThatThrownBy(() -> bound.queueWork(late)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> unbound.queueWork(late)).isInstanceOf(RejectedExecutionException.class);
    assertThatThrownBy(() -> rt.systemWq().queueWork(late)).isInstanceOf(RejectedExecutionException.class);
    assertThat(late.isPending()).isFalse();
    assertThatThrownBy(() -> Workqueue.builder("st-sd-new").runtime(rt).build())
        .isInstanceOf(RejectedExecutionException.class);

    gate.countDown();
    awaitLatch(ran);
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(rt.workerCount()).isZero();
    for (Thread t : workers) {
      assertThat(t.isAlive()).as("%s alive after termination", t.getName()).isFalse();
    }
    Set<String> left = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        left.add(t.getName());
      }
    }
    assertThat(left).as("threads of the runtime still alive").isEmpty();
    rt.shutdown(); // idempotent
    assertThat(rt.awaitTermination(Duration.ofSeconds(1))).isTrue();
  }

  @Test
  void theRuntimeReportsTheLimitsItWasBuiltWithBeforeAndAfterShutdown() throws Exception {
    WorkqueueRuntime rt =
        runtime(
            WorkqueueRuntime.builder()
                .cpus(2)
                .maxWorkers(7)
                .idleTimeout(Duration.ofSeconds(42))
                .cpuIntensiveThreshold(Duration.ZERO)
                .watchdogThreshold(Duration.ofMillis(1500)));
    assertThat(rt.maxWorkers()).isEqualTo(7);
    assertThat(rt.idleTimeout()).isEqualTo(Duration.ofSeconds(42));
    assertThat(rt.cpuIntensiveThreshold()).as("0 disables it").isZero();
    assertThat(rt.watchdogThreshold()).isEqualTo(Duration.ofMillis(1500));
    rt.shutdown();
    assertThat(rt.awaitTermination(Duration.ofSeconds(10))).isTrue();
    assertThat(rt.maxWorkers()).as("after shutdown").isEqualTo(7);

    WorkqueueRuntime defaults = runtime(1);
    assertThat(defaults.maxWorkers()).isEqualTo(1024);
    assertThat(defaults.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.cpuIntensiveThreshold()).isEqualTo(Duration.ofMillis(10));
    assertThat(defaults.watchdogThreshold()).isEqualTo(Duration.ofSeconds(30));
  }

  /**
   * CPU time is sampled, but what a worker's items used is not dropped when the worker is later
   * seen asleep in another item: short CPU items interleaved with sleeping ones (undeclared
   * blocking, as in the demo) must show most of their CPU time in the stats.
   */
  @Test
  void cpuTimeOfShortItemsIsNotLostWhenTheirWorkerLaterSleeps() throws Exception {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    org.junit.jupiter.api.Assumptions.assumeTrue(mx.isThreadCpuTimeSupported(), "thread CPU time");
    WorkqueueRuntime rt = runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
    Workqueue wq = Workqueue.builder("st-cputime").runtime(rt).build();
    java.util.concurrent.atomic.AtomicLong used = new java.util.concurrent.atomic.AtomicLong();
    Runnable spin =
        () -> {
          long start = mx.getCurrentThreadCpuTime();
          long end = start + 300_000; // 0.3 ms of CPU
          long now;
          do {
            now = mx.getCurrentThreadCpuTime();
          } while (now < end);
          used.addAndGet(now - start);
        };
    Runnable sleep =
        () -> {
          try {
            Thread.sleep(15); // undeclared blocking: the sampler sees the worker asleep
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    // one item at a time, so no backlog makes the sampler look often: between two looks a
    // worker runs several CPU items, then is seen asleep in the next one
    for (int i = 0; i < 400; i++) {
      Work w = Work.of(i % 10 == 9 ? sleep : spin);
      assertThat(wq.queueWork(w)).isTrue();
      w.flush();
    }
    wq.flush();
    long cpu = wq.stats().cpuTime().toNanos();
    assertThat(used.get()).as("CPU the items used").isGreaterThan(0);
    assertThat(cpu)
        .as("stats cpuTime %d ns vs %d ns the items measured themselves", cpu, used.get())
        .isGreaterThanOrEqualTo(used.get() / 2);
  }
}
