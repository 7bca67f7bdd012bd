package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Drains the workqueues when the application context stops, so work already accepted finishes
 * before the beans are destroyed (kernel {@code drain_workqueue} on each).
 *
 * <p>Phase {@link #PHASE} ({@code Integer.MAX_VALUE / 2}): lifecycles stop from the highest phase
 * down, so this runs after the web server's graceful shutdown ({@code MAX_VALUE - 1024}) and its
 * stop ({@code MAX_VALUE - 2048}): requests in flight finish first, on workqueues that still
 * accept work, and nothing is cancelled before that ends. Then every {@link Workqueue} bean is
 * drained, all at once: until each is empty only its own running items may queue on it (other
 * callers get {@link RejectedExecutionException}), so it ends; the runtime's system workqueues,
 * shared with code outside the context, are only flushed. The wait is bounded by
 * {@code cmwq.shutdown.timeout}; past it the stop goes on (nothing is cancelled: queued items
 * still run before the workers exit) and a warning with the runtime's dump is logged.
 *
 * <p>Runs the wait on a thread of its own and reports through the stop callback, so other
 * lifecycles of the phase stop concurrently. Thread-safe.
 */
final class WorkqueueDrainLifecycle implements SmartLifecycle {

  /** {@code Integer.MAX_VALUE / 2}: after the web server's graceful shutdown and stop. */
  static final int PHASE = Integer.MAX_VALUE / 2;

  private static final System.Logger LOG = System.getLogger(WorkqueueDrainLifecycle.class.getName());

  private final WorkqueueRuntime runtime; // I
  private final ObjectProvider<Workqueue> workqueues; // I
  private final Duration timeout; // I
  private volatile boolean running;

  WorkqueueDrainLifecycle(WorkqueueRuntime runtime, ObjectProvider<Workqueue> workqueues, Duration timeout) {
    this.runtime = runtime;
    this.workqueues = workqueues;
    this.timeout = timeout;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  @Override
  public void stop() {
    drain();
    running = false;
  }

  @Override
  public void stop(Runnable callback) {
    Thread t =
        new Thread(
            () -> {
              try {
                stop();
              } finally {
                callback.run();
              }
            },
            "cmwq-shutdown-drain");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Drains the workqueue beans and flushes the system workqueues, waiting at most the timeout.
   *
   * @return true if all of them were empty in time
   */
  boolean drain() {
    Map<Workqueue, CompletableFuture<Void>> waits = new IdentityHashMap<>();
    for (Workqueue wq : workqueues) {
      if (!wq.isDestroyed() && !wq.runtime().isShutdown()) {
        waits.put(wq, wq.drainAsync());
      }
    }
    if (!runtime.isShutdown()) {
      for (Workqueue wq :
          List.of(runtime.systemWq(), runtime.systemHighpriWq(), runtime.systemLongWq(), runtime.systemUnboundWq())) {
        waits.putIfAbsent(wq, wq.flushAsync());
      }
    }
    try {
      CompletableFuture.allOf(waits.values().toArray(new CompletableFuture<?>[0]))
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      List<String> busy = new ArrayList<>();
      waits.forEach((wq, f) -> {
        if (!f.isDone()) {
          busy.add(wq.name() + " " + wq.stats());
        }
      });
      LOG.log(
          System.Logger.Level.WARNING,
          "cmwq: workqueues still busy after " + timeout + " at shutdown (their items are not cancelled): " + busy
              + "\n" + runtime.dump());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      LOG.log(System.Logger.Level.WARNING, "cmwq: a workqueue failed to drain at shutdown", e.getCause());
      return false;
    }
  }
}
