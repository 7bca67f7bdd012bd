package dev.cmwq;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Concurrency management with undeclared blocking (spec §6 item 12; DESIGN §3 "detected
 * blocking"): a bound item that blocks without telling anyone (sleep, wait, park, a future, a
 * monitor, a latch, a socket read) must let the next item queued on its CPU slot start while it is
 * still blocked, and the counts must come back to rest afterwards.
 */
class BlockingDetectionTest extends TestRuntimes {

  /** A one-CPU runtime with CPU-hog detection off, so only blocking detection can start B. */
  private WorkqueueRuntime oneCpuNoHogDetection() {
    return runtime(WorkqueueRuntime.builder().cpus(1).cpuIntensiveThreshold(Duration.ZERO));
  }

  // ---- the ways an item can block without declaring it ----

  @FunctionalInterface
  private interface Scenario {
    void run() throws Exception;
  }

  /** One way of blocking: {@link #block()} runs in the item until the test releases it. */
  private abstract static class Blocker implements AutoCloseable {
    /** Called by the item: blocks until released. */
    abstract void block() throws Exception;

    /** Called by the test: lets {@link #block()} return. */
    abstract void release() throws Exception;

    /** Runs {@code scenario} while the blocker holds, then releases it (even on failure). */
    void whileHeld(Scenario scenario) throws Exception {
      try {
        scenario.run();
      } finally {
        release();
      }
    }

    @Override
    public void close() throws Exception {}
  }

  enum Kind {
    SLEEP_LOOP {
      @Override
      Blocker make() {
        return new Blocker() {
          final AtomicBoolean released = new AtomicBoolean();

          @Override
          void block() throws InterruptedException {
            long deadline = System.nanoTime() + SECONDS.toNanos(30);
            while (!released.get() && System.nanoTime() - deadline < 0) {
              Thread.sleep(5); // simulated blocking work: the subject of this test
            }
          }

          @Override
          void release() {
            released.set(true);
          }
        };
      }
    },
    OBJECT_WAIT {
      @Override
      Blocker make() {
        return new Blocker() {
          final Object monitor = new Object();
          boolean released; // guarded by monitor

          @Override
          void block() throws InterruptedException {
            synchronized (monitor) {
              while (!released) {
                monitor.wait();
              }
            }
          }

          @Override
          void release() {
            synchronized (monitor) {
              released = true;
              monitor.notifyAll();
            }
          }
        };
      }
    },
    PARK {
      @Override
      Blocker make() {
        return new Blocker() {
          final AtomicBoolean released = new AtomicBoolean();
          final AtomicReference<Thread> parker = new AtomicReference<>();

          @Override
          void block() {
            parker.set(Thread.currentThread());
            while (!released.get()) {
              LockSupport.park(this);
            }
          }

          @Override
          void release() {
            released.set(true);
            Thread t = parker.get();
            if (t != null) {
              LockSupport.unpark(t);
            }
          }
        };
      }
    },
    PARK_NANOS_LOOP {
      @Override
      Blocker make() {
        return new Blocker() {
          final AtomicBoolean released = new AtomicBoolean();

          @Override
          void block() {
            long deadline = System.nanoTime() + SECONDS.toNanos(30);
            while (!released.get() && System.nanoTime() - deadline < 0) {
              LockSupport.parkNanos(this, MILLISECONDS.toNanos(5));
            }
          }

          @Override
          void release() {
            released.set(true);
          }
        };
      }
    },
    FUTURE_GET {
      @Override
      Blocker make() {
        return new Blocker() {
          final CompletableFuture<String> future = new CompletableFuture<>();

          @Override
          void block() throws Exception {
            if (!"go".equals(future.get())) {
              throw new AssertionError("unexpected value");
            }
          }

          @Override
          void release() {
            future.complete("go");
          }
        };
      }
    },
    MONITOR_HELD_BY_TEST {
      @Override
      Blocker make() {
        return new Blocker() {
          final Object monitor = new Object();
          final AtomicBoolean entered = new AtomicBoolean();

          @Override
          void block() {
            synchronized (monitor) { // BLOCKED until the test thread leaves the monitor
              entered.set(true);
            }
          }

          @Override
          void whileHeld(Scenario scenario) throws Exception {
            synchronized (monitor) {
              scenario.run();
            }
          }

          @Override
          void release() {}
        };
      }
    },
    LATCH_AWAIT {
      @Override
      Blocker make() {
        return new Blocker() {
          final CountDownLatch latch = new CountDownLatch(1);

          @Override
          void block() throws InterruptedException {
            if (!latch.await(30, SECONDS)) {
              throw new AssertionError("latch not released");
            }
          }

          @Override
          void release() {
            latch.countDown();
          }
        };
      }
    },
    SOCKET_READ {
      @Override
      Blocker make() throws IOException {
        // both ends on the loopback interface, made by the test itself
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        ServerSocket server = new ServerSocket(0, 1, loopback);
        server.setSoTimeout(10_000);
        Socket client = new Socket(loopback, server.getLocalPort());
        Socket accepted = server.accept();
        accepted.setSoTimeout(30_000);
        return new Blocker() {
          @Override
          void block() throws IOException {
            InputStream in = accepted.getInputStream();
            int b = in.read(); // RUNNABLE to Java, asleep in the kernel
            if (b != 42) {
              throw new AssertionError("read " + b);
            }
          }

          @Override
          void release() throws IOException {
            client.getOutputStream().write(42);
            client.getOutputStream().flush();
          }

          @Override
          public void close() throws IOException {
            try (server; client; accepted) {
              // closed in reverse order
            }
          }
        };
      }
    };

    abstract Blocker make() throws Exception;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void anUndeclaredBlockLetsTheNextItemOnTheSlotStart(Kind kind) throws Exception {
    WorkqueueRuntime rt = oneCpuNoHogDetection();
    Workqueue wq = Workqueue.builder("bd-" + kind.name().toLowerCase().replace('_', '-')).runtime(rt).build();
    CountDownLatch aRunning = new CountDownLatch(1);
    AtomicBoolean aMayBlock = new AtomicBoolean();
    CountDownLatch aDone = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    AtomicReference<Thread> aThread = new AtomicReference<>();
    AtomicReference<Thread> bThread = new AtomicReference<>();
    ConcurrentLinkedQueue<Throwable> aErrors = new ConcurrentLinkedQueue<>();
    try (Blocker blocker = kind.make()) {
      Work a =
          Work.of(
              () -> {
                aThread.set(Thread.currentThread());
                aRunning.countDown();
                // running (RUNNABLE, using CPU) until B waits behind it: then B can only start
                // through a wake-up by concurrency management, which the stats must count
                long deadline = System.nanoTime() + SECONDS.toNanos(30);
                while (!aMayBlock.get() && System.nanoTime() - deadline < 0) {
                  Thread.onSpinWait();
                }
                try {
                  blocker.block();
                } catch (Throwable t) {
                  aErrors.add(t);
                }
                aDone.countDown();
              });
      Work b =
          Work.of(
              () -> {
                bThread.set(Thread.currentThread());
                bStarted.countDown();
              });
      blocker.whileHeld(
          () -> {
            assertThat(wq.queueWorkOn(0, a)).isTrue();
            awaitLatch(aRunning, "A started");
            assertThat(wq.queueWorkOn(0, b)).isTrue();
            assertThat(b.isPending()).as("B waits behind the running A").isTrue();
            aMayBlock.set(true);

            awaitLatch(bStarted, "B started while A was blocked (" + kind + ")");
            assertThat(aDone.getCount()).as("A is still blocked when B starts").isEqualTo(1);
            assertThat(a.busy()).containsExactly(WorkBusy.RUNNING);
            assertThat(bThread.get()).as("B ran on another worker").isNotSameAs(aThread.get());
            assertThat(wq.stats().cmWakeups()).as("the wake-up that started B is counted").isGreaterThan(0);
            String aName = aThread.get().getName();
            await()
                .atMost(Duration.ofSeconds(10))
                .untilAsserted(
                    () -> {
                      assertThat(rt.workers().blocked()).as("A's worker counts as blocked").isEqualTo(1);
                      assertThat(rt.dump()).contains(aName + " blocked (detected)");
                    });
          });
      aMayBlock.set(true);
      awaitLatch(aDone, "A finished once released");
      wq.flush();
    }
    assertThat(aErrors).isEmpty();
    WorkqueueStats s = wq.stats();
    assertThat(s.completed()).isEqualTo(2);
    assertThat(s.inFlight()).isZero();
    assertThat(s.cmWakeups()).isGreaterThan(0);
    assertThat(s.cpuIntensive()).isZero();
  }

  @Test
  void aSpinningItemIsNotTakenForBlockedButItsLaterUndeclaredBlockIs() throws Exception {
    WorkqueueRuntime rt = oneCpuNoHogDetection();
    Workqueue wq = Workqueue.builder("bd-spin-then-block").runtime(rt).build();
    AtomicBoolean stopSpinning = new AtomicBoolean();
    CountDownLatch aRunning = new CountDownLatch(1);
    CountDownLatch aBlocking = new CountDownLatch(1);
    CountDownLatch aRelease = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    Work a =
        Work.of(
            () -> {
              aRunning.countDown();
              while (!stopSpinning.get()) {
                Thread.onSpinWait(); // RUNNABLE and using CPU: running, not blocked
              }
              aBlocking.countDown();
              gate(aRelease); // undeclared
            });
    try {
      assertThat(wq.queueWorkOn(0, a)).isTrue();
      awaitLatch(aRunning, "A started");
      assertThat(wq.queueWorkOn(0, Work.of(bStarted::countDown))).isTrue();
      assertThat(bStarted.await(300, MILLISECONDS)).as("B started while A spun").isFalse();
      assertThat(wq.stats().cmWakeups()).isZero();
      assertThat(rt.workers().running()).isEqualTo(1);
      assertThat(rt.workers().blocked()).isZero();

      stopSpinning.set(true);
      awaitLatch(aBlocking, "A blocks");
      awaitLatch(bStarted, "B started once A blocked");
      assertThat(aRelease.getCount()).isEqualTo(1);
      assertThat(wq.stats().cmWakeups()).isGreaterThan(0);
    } finally {
      stopSpinning.set(true);
      aRelease.countDown();
    }
    wq.flush();
    assertThat(wq.stats().completed()).isEqualTo(2);
  }

  @Test
  void declaredBlockingStillStartsTheNextItemWithDetectionOn() throws Exception {
    // default thresholds: detection and hog detection both on
    WorkqueueRuntime rt = runtime(1);
    Workqueue wq = Workqueue.builder("bd-declared").runtime(rt).build();
    CountDownLatch aBlocking = new CountDownLatch(1);
    CountDownLatch aRelease = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    AtomicReference<Object> aResult = new AtomicReference<>();
    Work a =
        Work.of(
            () -> {
              try {
                aResult.set(
                    Workqueues.blocking(
                        () -> {
                          aBlocking.countDown();
                          return aRelease.await(10, SECONDS) ? "released" : "timed out";
                        }));
              } catch (Exception e) {
                aResult.set(e);
              }
            });
    try {
      assertThat(wq.queueWorkOn(0, a)).isTrue();
      awaitLatch(aBlocking, "A blocks (declared)");
      assertThat(rt.workers().blocked()).isEqualTo(1);
      assertThat(wq.queueWorkOn(0, Work.of(bStarted::countDown))).isTrue();
      awaitLatch(bStarted, "B started while A was blocked");
      assertThat(rt.dump()).contains("blocked (declared)");
    } finally {
      aRelease.countDown();
    }
    wq.flush();
    assertThat(aResult.get()).isEqualTo("released");
    // no CM wake-up is due here: A blocked with nothing queued behind it, so queueing B woke the
    // spare worker itself (kernel: wq_worker_sleeping counts only when kick_pool woke a worker)
    assertThat(wq.stats().completed()).isEqualTo(2);
  }

  /**
   * A mixes undeclared and (nested) declared blocking in one run; in every phase the next item on
   * the slot starts. Afterwards the pool must be back at rest (nrRunning 0, checked by
   * TestRuntimes and here) and concurrency management must still hold a running item's followers
   * back, which it could not with a corrupted nrRunning.
   */
  @Test
  void nestedDeclaredAndDetectedBlockingKeepTheCountsStraight() throws Exception {
    WorkqueueRuntime rt = oneCpuNoHogDetection();
    Workqueue wq = Workqueue.builder("bd-nested").runtime(rt).build();
    int phases = 4;
    CountDownLatch[] inPhase = new CountDownLatch[phases];
    CountDownLatch[] release = new CountDownLatch[phases];
    CountDownLatch[] followerStarted = new CountDownLatch[phases];
    for (int i = 0; i < phases; i++) {
      inPhase[i] = new CountDownLatch(1);
      release[i] = new CountDownLatch(1);
      followerStarted[i] = new CountDownLatch(1);
    }
    ConcurrentLinkedQueue<Throwable> aErrors = new ConcurrentLinkedQueue<>();
    Work a =
        Work.of(
            () -> {
              try {
                // phase 0: undeclared
                inPhase[0].countDown();
                gate(release[0]);
                // phase 1: declared; phase 2: declared inside declared
                Workqueues.blocking(
                    () -> {
                      inPhase[1].countDown();
                      gate(release[1]);
                      return Workqueues.blocking(
                          () -> {
                            inPhase[2].countDown();
                            gate(release[2]);
                            return null;
                          });
                    });
                // phase 3: undeclared again, after the declared block ended
                inPhase[3].countDown();
                gate(release[3]);
              } catch (Throwable t) {
                aErrors.add(t);
              }
            });
    try {
      assertThat(wq.queueWorkOn(0, a)).isTrue();
      for (int i = 0; i < phases; i++) {
        awaitLatch(inPhase[i], "A reached phase " + i);
        assertThat(wq.queueWorkOn(0, Work.of(followerStarted[i]::countDown))).isTrue();
        awaitLatch(followerStarted[i], "the follower started while A blocked in phase " + i);
        assertThat(a.busy()).contains(WorkBusy.RUNNING);
        release[i].countDown();
      }
    } finally {
      for (CountDownLatch r : release) {
        r.countDown();
      }
    }
    wq.flush();
    assertThat(aErrors).isEmpty();
    assertThat(wq.stats().completed()).isEqualTo(1 + phases);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(rt.checkAtRest()).as(rt.dump()).isEmpty());
    WorkerCounts counts = rt.workers();
    assertThat(counts.running()).isZero();
    assertThat(counts.blocked()).isZero();

    // concurrency management still works: a spinning item holds its follower back
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch spinning = new CountDownLatch(1);
    CountDownLatch followerRan = new CountDownLatch(1);
    try {
      assertThat(
              wq.queueWorkOn(
                  0,
                  Work.of(
                      () -> {
                        spinning.countDown();
                        while (!stop.get()) {
                          Thread.onSpinWait();
                        }
                      })))
          .isTrue();
      awaitLatch(spinning, "spinner started");
      assertThat(wq.queueWorkOn(0, Work.of(followerRan::countDown))).isTrue();
      assertThat(followerRan.await(300, MILLISECONDS)).as("follower started next to a running item").isFalse();
    } finally {
      stop.set(true);
    }
    awaitLatch(followerRan, "follower ran after the spinner");
    wq.flush();
  }

  @Test
  void manyUndeclaredBlockersOnOneSlotAllRunConcurrentlyAndAllComplete() throws Exception {
    WorkqueueRuntime rt = oneCpuNoHogDetection();
    Workqueue wq = Workqueue.builder("bd-many").runtime(rt).build();
    int n = 6;
    CountDownLatch allBlocked = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < n; i++) {
        assertThat(
                wq.queueWorkOn(
                    0,
                    Work.of(
                        () -> {
                          allBlocked.countDown();
                          gate(release);
                        })))
            .isTrue();
      }
      // each one starts only after the previous one is seen blocked
      awaitLatch(allBlocked, "all " + n + " blockers running at once");
      assertThat(wq.stats().inFlight()).isEqualTo(n);
      assertThat(wq.stats().cmWakeups()).isGreaterThan(0);
    } finally {
      release.countDown();
    }
    wq.flush();
    assertThat(wq.stats().completed()).isEqualTo(n);
  }
}
