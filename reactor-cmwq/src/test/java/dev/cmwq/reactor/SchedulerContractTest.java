package dev.cmwq.reactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmwq.Workqueue;
import dev.cmwq.reactor.TestRuntime.Variant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.Scannable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The scheduler contract, written from Reactor's and RxJava's scheduler contracts, run against
 * every variant on an isolated runtime. After each test the runtime is shut down and no thread
 * of it may be left.
 */
class SchedulerContractTest {

  private static final long WAIT = 5; // seconds: every wait in this suite is bounded

  private TestRuntime t;
  private final List<Scheduler> made = new ArrayList<>();

  @BeforeEach
  void setUp() {
    t = new TestRuntime();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Scheduler s : made) {
      s.dispose();
    }
    for (Scheduler s : made) { // an owned workqueue is destroyed before the runtime shuts down
      s.disposeGracefully().block(Duration.ofSeconds(WAIT));
    }
    t.close();
  }

  private WorkqueueScheduler make(Variant v) {
    WorkqueueScheduler s = v.make(t);
    made.add(s);
    return s;
  }

  private static void await(CountDownLatch l) throws InterruptedException {
    assertThat(l.await(WAIT, TimeUnit.SECONDS)).as("latch reached within " + WAIT + " s").isTrue();
  }

  // ---- direct tasks ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void directTaskRunsOnAWorkerOfTheRuntime(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    CountDownLatch ran = new CountDownLatch(1);
    AtomicReference<String> thread = new AtomicReference<>();
    Disposable d =
        s.schedule(
            () -> {
              thread.set(Thread.currentThread().getName());
              ran.countDown();
            });
    await(ran);
    assertThat(thread.get()).startsWith(t.prefix);
    s.flush().block(Duration.ofSeconds(WAIT));
    assertThat(d.isDisposed()).as("a completed task reports disposed").isTrue();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void delayedTaskNeverRunsEarly(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    int n = 20;
    CountDownLatch ran = new CountDownLatch(n);
    AtomicInteger early = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      long delayMs = 5 + 3L * i;
      long start = s.now(TimeUnit.NANOSECONDS);
      s.schedule(
          () -> {
            if (s.now(TimeUnit.NANOSECONDS) - start < TimeUnit.MILLISECONDS.toNanos(delayMs)) {
              early.incrementAndGet();
            }
            ran.countDown();
          },
          delayMs,
          TimeUnit.MILLISECONDS);
    }
    await(ran);
    assertThat(early).hasValue(0);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void periodicTaskRunsAtItsIdealTimesAndStopsOnDispose(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    long period = TimeUnit.MILLISECONDS.toNanos(10);
    long start = s.now(TimeUnit.NANOSECONDS);
    List<Long> runs = new CopyOnWriteArrayList<>();
    CountDownLatch five = new CountDownLatch(5);
    AtomicInteger overlap = new AtomicInteger();
    AtomicInteger inside = new AtomicInteger();
    Disposable d =
        s.schedulePeriodically(
            () -> {
              if (inside.incrementAndGet() != 1) {
                overlap.incrementAndGet();
              }
              runs.add(s.now(TimeUnit.NANOSECONDS));
              five.countDown();
              inside.decrementAndGet();
            },
            period,
            period,
            TimeUnit.NANOSECONDS);
    await(five);
    d.dispose();
    assertThat(d.isDisposed()).isTrue();
    int after = runs.size();
    // a barrier three periods later: had the task been re-armed, it would have run by then
    CountDownLatch barrier = new CountDownLatch(1);
    s.schedule(barrier::countDown, 3 * period, TimeUnit.NANOSECONDS);
    await(barrier);
    assertThat(runs.size()).as("no run after dispose").isLessThanOrEqualTo(after + 1);
    int settled = runs.size();
    CountDownLatch barrier2 = new CountDownLatch(1);
    s.schedule(barrier2::countDown, 3 * period, TimeUnit.NANOSECONDS);
    await(barrier2);
    assertThat(runs).hasSize(settled);
    for (int k = 0; k < runs.size(); k++) {
      assertThat(runs.get(k) - start).as("run %d is never early", k).isGreaterThanOrEqualTo((k + 1) * period);
    }
    assertThat(overlap).hasValue(0);
  }

  // ---- workers ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void workerRunsTenThousandTasksInOrderWithoutOverlap(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    int n = 10_000;
    int[] seen = new int[n];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlap = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(1);
    for (int i = 0; i < n; i++) {
      int id = i;
      w.schedule(
          () -> {
            if (inside.incrementAndGet() != 1) {
              overlap.incrementAndGet();
            }
            int k = next.getAndIncrement();
            seen[k] = id; // plain write: the strand's happens-before chain publishes it
            inside.decrementAndGet();
            if (k == n - 1) {
              done.countDown();
            }
          });
    }
    await(done);
    assertThat(overlap).hasValue(0);
    for (int i = 0; i < n; i++) {
      assertThat(seen[i]).as("position %d", i).isEqualTo(i);
    }
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void workerKeepsEachProducersOrderAndNeverOverlapsWithTwoProducers(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    int n = 5_000;
    int[] last = {-1, -1};
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger violations = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(2 * n);
    List<Thread> producers = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      int producer = p;
      producers.add(
          new Thread(
              () -> {
                for (int i = 0; i < n; i++) {
                  int id = i;
                  w.schedule(
                      () -> {
                        if (inside.incrementAndGet() != 1) {
                          violations.incrementAndGet();
                        }
                        if (last[producer] != id - 1) { // strand-confined: no overlap, so plain is fine
                          violations.incrementAndGet();
                        }
                        last[producer] = id;
                        inside.decrementAndGet();
                        done.countDown();
                      });
                }
              }));
    }
    producers.forEach(Thread::start);
    for (Thread p : producers) {
      p.join(TimeUnit.SECONDS.toMillis(WAIT));
    }
    await(done);
    assertThat(violations).hasValue(0);
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void taskScheduledFromInsideAWorkerTaskIsQueuedNotRunInline(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    AtomicBoolean outerDone = new AtomicBoolean();
    AtomicBoolean innerSawOuterDone = new AtomicBoolean();
    AtomicReference<String> innerThread = new AtomicReference<>();
    CountDownLatch inner = new CountDownLatch(1);
    w.schedule(
        () -> {
          w.schedule(
              () -> {
                innerSawOuterDone.set(outerDone.get());
                innerThread.set(Thread.currentThread().getName());
                inner.countDown();
              });
          outerDone.set(true);
        });
    await(inner);
    assertThat(innerSawOuterDone).as("the inner task ran after the outer returned").isTrue();
    assertThat(innerThread.get()).startsWith(t.prefix);
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void workerDisposeCancelsPendingTasksInterruptsTheRunningOneAndRejectsNewOnes(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicInteger others = new AtomicInteger();
    w.schedule(
        () -> {
          running.countDown();
          try {
            new CountDownLatch(1).await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            interrupted.countDown();
          }
        });
    List<Disposable> pending = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      pending.add(w.schedule(others::incrementAndGet));
    }
    Disposable delayed = w.schedule(others::incrementAndGet, 20, TimeUnit.MILLISECONDS);
    Disposable periodic = w.schedulePeriodically(others::incrementAndGet, 5, 5, TimeUnit.MILLISECONDS);
    await(running);
    w.dispose();
    assertThat(w.isDisposed()).isTrue();
    await(interrupted);
    assertThat(pending).allMatch(Disposable::isDisposed);
    assertThat(delayed.isDisposed()).isTrue();
    assertThat(periodic.isDisposed()).isTrue();
    assertThatThrownBy(() -> w.schedule(others::incrementAndGet)).isSameAs(Exceptions.failWithRejected());
    assertThatThrownBy(() -> w.schedule(others::incrementAndGet, 1, TimeUnit.MILLISECONDS))
        .isSameAs(Exceptions.failWithRejected());
    // past the delayed task's time and the strand's last run: nothing of the worker ran
    CountDownLatch barrier = new CountDownLatch(1);
    s.schedule(barrier::countDown, 40, TimeUnit.MILLISECONDS);
    await(barrier);
    s.flush().block(Duration.ofSeconds(WAIT));
    assertThat(others).hasValue(0);
    assertThat(s.isDisposed()).as("disposing a worker leaves the scheduler running").isFalse();
  }

  // ---- the Disposable of a task ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposingAPendingTaskRemovesIt(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    AtomicInteger ran = new AtomicInteger();
    Disposable delayed = s.schedule(ran::incrementAndGet, 20, TimeUnit.MILLISECONDS);
    Scheduler.Worker w = s.createWorker();
    Disposable workerDelayed = w.schedule(ran::incrementAndGet, 20, TimeUnit.MILLISECONDS);
    delayed.dispose();
    workerDelayed.dispose();
    assertThat(delayed.isDisposed()).isTrue();
    assertThat(workerDelayed.isDisposed()).isTrue();
    CountDownLatch barrier = new CountDownLatch(1);
    s.schedule(barrier::countDown, 40, TimeUnit.MILLISECONDS);
    await(barrier);
    assertThat(ran).hasValue(0);
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposingAQueuedTaskBehindABlockedOneRemovesIt(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker(); // a worker is serial on every variant
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    w.schedule(
        () -> {
          running.countDown();
          try {
            release.await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    AtomicInteger ran = new AtomicInteger();
    Disposable queued = w.schedule(ran::incrementAndGet);
    CountDownLatch after = new CountDownLatch(1);
    w.schedule(after::countDown);
    await(running);
    queued.dispose();
    release.countDown();
    await(after);
    assertThat(ran).hasValue(0);
    assertThat(queued.isDisposed()).isTrue();
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposingARunningTaskFromAnotherThreadInterruptsIt(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    Disposable d =
        s.schedule(
            () -> {
              running.countDown();
              try {
                new CountDownLatch(1).await(WAIT, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                interrupted.countDown();
              }
            });
    await(running);
    d.dispose();
    assertThat(d.isDisposed()).isTrue();
    await(interrupted);
    // the interrupt does not leak to the worker's next item
    CountDownLatch next = new CountDownLatch(1);
    AtomicBoolean nextInterrupted = new AtomicBoolean(true);
    s.schedule(
        () -> {
          nextInterrupted.set(Thread.currentThread().isInterrupted());
          next.countDown();
        });
    await(next);
    assertThat(nextInterrupted).isFalse();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void withInterruptsOffDisposingARunningTaskDoesNotInterruptIt(Variant v) throws Exception {
    Workqueue wq = v.make(t).workqueue();
    WorkqueueScheduler s = CmwqSchedulers.fromWorkqueue(wq, false);
    made.add(s);
    assertThat(s.interruptsOnDispose()).isFalse();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    Scheduler.Worker w = s.createWorker();
    Runnable body =
        () -> {
          running.countDown();
          try {
            release.await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
          finished.countDown();
        };
    Disposable d = s.schedule(body);
    await(running);
    d.dispose();
    assertThat(d.isDisposed()).isTrue();
    release.countDown();
    await(finished);
    assertThat(interrupted).as("direct task interrupted").isFalse();

    CountDownLatch running2 = new CountDownLatch(1);
    CountDownLatch finished2 = new CountDownLatch(1);
    CountDownLatch release2 = new CountDownLatch(1);
    Disposable wd =
        w.schedule(
            () -> {
              running2.countDown();
              try {
                release2.await(WAIT, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                interrupted.set(true);
              }
              finished2.countDown();
            });
    await(running2);
    wd.dispose();
    w.dispose();
    release2.countDown();
    await(finished2);
    assertThat(interrupted).as("worker task interrupted").isFalse();
  }

  // ---- scheduler lifecycle ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposeRejectsWithReactorsSingletonAndCancelsPendingTasks(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    s.init();
    AtomicInteger ran = new AtomicInteger();
    s.schedule(ran::incrementAndGet, 30, TimeUnit.MILLISECONDS);
    s.schedulePeriodically(ran::incrementAndGet, 30, 30, TimeUnit.MILLISECONDS);
    Scheduler.Worker w = s.createWorker();
    w.schedule(ran::incrementAndGet, 30, TimeUnit.MILLISECONDS);
    s.dispose();
    assertThat(s.isDisposed()).isTrue();
    RejectedExecutionExceptionCheck.rejects(() -> s.schedule(ran::incrementAndGet));
    RejectedExecutionExceptionCheck.rejects(() -> s.schedule(ran::incrementAndGet, 1, TimeUnit.MILLISECONDS));
    RejectedExecutionExceptionCheck.rejects(
        () -> s.schedulePeriodically(ran::incrementAndGet, 1, 1, TimeUnit.MILLISECONDS));
    RejectedExecutionExceptionCheck.rejects(() -> w.schedule(ran::incrementAndGet));
    RejectedExecutionExceptionCheck.rejects(() -> s.createWorker().schedule(ran::incrementAndGet));
    assertThatThrownBy(s::init).isInstanceOf(IllegalStateException.class);
    s.disposeGracefully().block(Duration.ofSeconds(WAIT)); // after dispose: waits for termination
    if (s.ownsWorkqueue()) {
      assertThat(s.workqueue().isDestroyed()).isTrue();
    } else {
      assertThat(s.workqueue().isDestroyed()).as("a workqueue the scheduler does not own lives on").isFalse();
    }
    // past every armed time: none of them ran
    CountDownLatch barrier = new CountDownLatch(1);
    WorkqueueScheduler other = CmwqSchedulers.bound(t.rt);
    made.add(other);
    other.schedule(barrier::countDown, 60, TimeUnit.MILLISECONDS);
    await(barrier);
    assertThat(ran).hasValue(0);
    assertThat(Scannable.from(s).scan(Scannable.Attr.TERMINATED)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposeGracefullyLetsRunningTasksFinishIsRetryableSharedAndThenTerminates(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean interrupted = new AtomicBoolean();
    AtomicBoolean completed = new AtomicBoolean();
    s.schedule(
        () -> {
          running.countDown();
          try {
            release.await(WAIT, TimeUnit.SECONDS);
            completed.set(true);
          } catch (InterruptedException e) {
            interrupted.set(true);
          }
        });
    AtomicInteger armed = new AtomicInteger();
    s.schedule(armed::incrementAndGet, 1, TimeUnit.HOURS); // cancelled by the graceful disposal
    await(running);
    var graceful = s.disposeGracefully();
    assertThat(s.isDisposed()).as("lazy: nothing happens before subscription").isFalse();
    assertThatThrownBy(() -> graceful.block(Duration.ofMillis(50)))
        .hasCauseInstanceOf(TimeoutException.class);
    assertThat(s.isDisposed()).isTrue();
    RejectedExecutionExceptionCheck.rejects(() -> s.schedule(() -> {}));
    var second = s.disposeGracefully().toFuture(); // shared: a second subscriber waits for the same end
    assertThat(second).isNotDone();
    release.countDown();
    graceful.block(Duration.ofSeconds(WAIT)); // retried after the timeout
    second.get(WAIT, TimeUnit.SECONDS);
    assertThat(completed).isTrue();
    assertThat(interrupted).isFalse();
    assertThat(armed).hasValue(0);
    assertThat(s.workqueue().isDestroyed()).isEqualTo(s.ownsWorkqueue());
    assertThatThrownBy(s::init).isInstanceOf(IllegalStateException.class);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void disposeGracefullyLetsQueuedWorkerTasksAndTheirFollowUpsFinish(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    CountDownLatch release = new CountDownLatch(1);
    w.schedule(
        () -> {
          try {
            release.await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    AtomicInteger ran = new AtomicInteger();
    for (int i = 0; i < 10; i++) {
      w.schedule(() -> w.schedule(ran::incrementAndGet)); // a follow-up from inside is accepted
    }
    var done = s.disposeGracefully().toFuture();
    release.countDown();
    done.get(WAIT, TimeUnit.SECONDS);
    assertThat(ran).hasValue(10);
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void flushWaitsForDirectAndWorkerTasksQueuedBefore(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scheduler.Worker w = s.createWorker();
    AtomicInteger direct = new AtomicInteger();
    AtomicInteger onWorker = new AtomicInteger();
    for (int i = 0; i < 200; i++) {
      s.schedule(direct::incrementAndGet);
      w.schedule(onWorker::incrementAndGet); // 200 > the strand's batch: it re-queues itself
    }
    s.flush().block(Duration.ofSeconds(WAIT));
    assertThat(direct).hasValue(200);
    assertThat(onWorker).hasValue(200);
    w.dispose();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void drainLetsChainsFinishRejectsOutsidersAndThenAcceptsAgain(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger chain = new AtomicInteger();
    s.schedule(
        () -> {
          try {
            release.await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          s.schedule(() -> s.schedule(chain::incrementAndGet)); // from inside: accepted while draining
        });
    var drained = s.drain().toFuture();
    RejectedExecutionExceptionCheck.rejects(() -> s.schedule(() -> {}));
    assertThat(s.isDisposed()).isFalse();
    release.countDown();
    drained.get(WAIT, TimeUnit.SECONDS);
    assertThat(chain).hasValue(1);
    CountDownLatch again = new CountDownLatch(1);
    s.schedule(again::countDown);
    await(again);
  }

  // ---- hooks and errors ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void everyUserTaskAndOnlyUserTasksGoThroughTheOnScheduleHook(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    AtomicInteger hooked = new AtomicInteger();
    AtomicInteger wrappedRuns = new AtomicInteger();
    Schedulers.onScheduleHook(
        "cmwq-test",
        r -> {
          hooked.incrementAndGet();
          return () -> {
            wrappedRuns.incrementAndGet();
            r.run();
          };
        });
    try {
      CountDownLatch ran = new CountDownLatch(5);
      s.schedule(ran::countDown);
      s.schedule(ran::countDown, 1, TimeUnit.MILLISECONDS);
      Scheduler.Worker w = s.createWorker();
      for (int i = 0; i < 2; i++) {
        w.schedule(ran::countDown);
      }
      Disposable p =
          s.schedulePeriodically(ran::countDown, 1, 1_000, TimeUnit.MILLISECONDS); // runs once here
      await(ran);
      p.dispose();
      w.dispose();
      assertThat(hooked).as("one hook call per user task, none for internal items").hasValue(5);
      assertThat(wrappedRuns).as("the decorated runnable is what runs").hasValue(5);
    } finally {
      Schedulers.resetOnScheduleHook("cmwq-test");
    }
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void taskErrorsReachTheThreadsUncaughtExceptionHandlerAndTheWorkerLivesOn(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    IllegalStateException boom = new IllegalStateException("boom");
    s.schedule(
        () -> {
          throw boom;
        });
    Scheduler.Worker w = s.createWorker();
    IllegalArgumentException workerBoom = new IllegalArgumentException("worker boom");
    w.schedule(
        () -> {
          throw workerBoom;
        });
    CountDownLatch next = new CountDownLatch(1);
    w.schedule(next::countDown);
    AtomicInteger periodicRuns = new AtomicInteger();
    s.schedulePeriodically(
        () -> {
          periodicRuns.incrementAndGet();
          throw new UnsupportedOperationException("periodic boom");
        },
        0,
        1,
        TimeUnit.MILLISECONDS);
    await(next);
    CountDownLatch barrier = new CountDownLatch(1);
    s.schedule(barrier::countDown, 20, TimeUnit.MILLISECONDS);
    await(barrier);
    s.flush().block(Duration.ofSeconds(WAIT));
    assertThat(t.failures).contains(boom, workerBoom);
    assertThat(t.failures).anyMatch(e -> e instanceof UnsupportedOperationException);
    assertThat(periodicRuns).as("a periodic task that throws is not run again").hasValue(1);
    assertThat(t.failureThreads).allMatch(n -> n.startsWith(t.prefix));
    w.dispose();
  }

  // ---- Scannable and now ----

  @ParameterizedTest
  @EnumSource(Variant.class)
  void scannableReportsNameCapacityBufferedAndTerminated(Variant v) throws Exception {
    WorkqueueScheduler s = make(v);
    Scannable sc = Scannable.from(s);
    assertThat(sc.isScanAvailable()).isTrue();
    assertThat(sc.scan(Scannable.Attr.NAME)).contains(s.workqueue().name());
    assertThat(sc.scan(Scannable.Attr.CAPACITY)).isEqualTo(s.workqueue().maxActive());
    assertThat(sc.scan(Scannable.Attr.TERMINATED)).isFalse();
    Scheduler.Worker w = s.createWorker();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    w.schedule(
        () -> {
          running.countDown();
          try {
            release.await(WAIT, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    await(running);
    for (int i = 0; i < 5; i++) {
      w.schedule(() -> {});
    }
    assertThat(sc.scan(Scannable.Attr.BUFFERED)).as("queued behind the running task").isEqualTo(5);
    assertThat(Scannable.from(w).scan(Scannable.Attr.BUFFERED)).isEqualTo(5);
    assertThat(Scannable.from(w).scan(Scannable.Attr.PARENT)).isSameAs(s);
    release.countDown();
    s.flush().block(Duration.ofSeconds(WAIT));
    assertThat(sc.scan(Scannable.Attr.BUFFERED)).isZero();
    w.dispose();
    assertThat(Scannable.from(w).scan(Scannable.Attr.TERMINATED)).isTrue();
  }

  @ParameterizedTest
  @EnumSource(Variant.class)
  void nowReadsTheRuntimesClock(Variant v) {
    WorkqueueScheduler s = make(v);
    long before = t.rt.timeSource().nanoTime();
    long now = s.now(TimeUnit.NANOSECONDS);
    long after = t.rt.timeSource().nanoTime();
    assertThat(now - before).isGreaterThanOrEqualTo(0);
    assertThat(after - now).isGreaterThanOrEqualTo(0);
    assertThat(s.now(TimeUnit.MILLISECONDS)).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(1_000L));
  }

  /** The exact rejection Reactor's schedulers throw. */
  static final class RejectedExecutionExceptionCheck {
    private RejectedExecutionExceptionCheck() {}

    static void rejects(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
      assertThatThrownBy(call).isSameAs(Exceptions.failWithRejected());
    }
  }
}
