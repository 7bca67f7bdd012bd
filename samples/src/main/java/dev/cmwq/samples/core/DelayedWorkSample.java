package dev.cmwq.samples.core;

import dev.cmwq.DelayedWork;
import dev.cmwq.ManualTimeSource;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Delayed work: a {@link DelayedWork} armed on the runtime's timer wheel and queued on its
 * workqueue when the delay has passed, never earlier.
 *
 * <ul>
 *   <li>{@code queueDelayedWork} arms an idle item and returns true; while it is armed it returns
 *       false and leaves the first deadline alone.
 *   <li>{@code modDelayedWork} re-arms whether the item was armed or not: calling it on every
 *       event gives a <em>debounce</em>, the item runs once, a quiet period after the last event.
 *       It returns true when it moved an armed timer.
 *   <li>{@code cancel()} disarms the timer; it returns true if the item was pending.
 * </ul>
 *
 * The sample drives a {@link ManualTimeSource}, so its output is the same on every run and its
 * test waits for nothing; on a runtime with the default clock the same calls act in real time.
 * Use it for "save a while after the last keystroke", reminders, retry back-off and timeouts
 * that are usually cancelled.
 */
public final class DelayedWorkSample {

  /** The quiet period of the debounce. */
  static final Duration QUIET_PERIOD = Duration.ofMillis(300);

  /**
   * What the run saw.
   *
   * @param firstMod what the first {@code modDelayedWork} (item idle) returned
   * @param laterMods whether every later {@code modDelayedWork} (item armed) returned true
   * @param savesBeforeQuiet saves after the last keystroke, 1 ms before the quiet period ended
   * @param savesAfterQuiet saves once the quiet period had passed
   * @param firstArm what arming the reminder returned
   * @param secondArm what arming it again while armed returned
   * @param cancelled what {@code cancel()} on the armed reminder returned
   * @param cancelledAgain what a second {@code cancel()} returned
   * @param reminderRuns how often the cancelled reminder ran
   */
  public record Result(
      boolean firstMod,
      boolean laterMods,
      int savesBeforeQuiet,
      int savesAfterQuiet,
      boolean firstArm,
      boolean secondArm,
      boolean cancelled,
      boolean cancelledAgain,
      int reminderRuns) {}

  private DelayedWorkSample() {}

  public static void main(String[] args) throws Exception {
    ManualTimeSource clock = new ManualTimeSource();
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).timeSource(clock).build()) {
      run(rt, clock, System.out);
    }
  }

  /** Runs the sample on {@code rt}, whose time source must be {@code clock}. */
  public static Result run(WorkqueueRuntime rt, ManualTimeSource clock, PrintStream out) throws InterruptedException {
    Workqueue wq = Workqueue.builder("delayed").runtime(rt).build();
    try {
      // debounce: every keystroke pushes the save back by the quiet period
      AtomicInteger saves = new AtomicInteger();
      DelayedWork save = DelayedWork.of(saves::incrementAndGet);
      boolean firstMod = wq.modDelayedWork(save, QUIET_PERIOD);
      boolean laterMods = true;
      for (int keystroke = 2; keystroke <= 5; keystroke++) {
        clock.advance(Duration.ofMillis(100));
        laterMods &= wq.modDelayedWork(save, QUIET_PERIOD);
      }
      clock.advance(QUIET_PERIOD.minusMillis(1));
      wq.flush(); // what became due has been queued by advance(); flush waits for it to run
      int before = saves.get();
      clock.advance(Duration.ofMillis(1));
      wq.flush();
      int after = saves.get();
      out.printf("5 keystrokes 100 ms apart: modDelayedWork returned %s then %s; saves %d ms after the last: %d, at %d ms: %d%n",
          firstMod, laterMods, QUIET_PERIOD.toMillis() - 1, before, QUIET_PERIOD.toMillis(), after);

      // queueDelayedWork does not move an armed timer; cancel disarms it
      AtomicInteger reminders = new AtomicInteger();
      DelayedWork reminder = DelayedWork.of(reminders::incrementAndGet);
      boolean firstArm = wq.queueDelayedWork(reminder, Duration.ofSeconds(1));
      boolean secondArm = wq.queueDelayedWork(reminder, Duration.ofSeconds(1));
      boolean cancelled = reminder.cancel();
      boolean cancelledAgain = reminder.cancel();
      clock.advance(Duration.ofSeconds(2));
      wq.flush();
      out.printf("reminder: armed %s, armed again %s, cancel %s, cancel again %s, ran %d time(s)%n",
          firstArm, secondArm, cancelled, cancelledAgain, reminders.get());
      return new Result(firstMod, laterMods, before, after, firstArm, secondArm, cancelled, cancelledAgain, reminders.get());
    } finally {
      wq.destroy();
    }
  }
}
