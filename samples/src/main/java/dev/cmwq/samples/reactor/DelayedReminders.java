package dev.cmwq.samples.reactor;

import dev.cmwq.WorkqueueRuntime;
import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Delays on a cmwq scheduler, and how to test them without waiting: {@code delayElements} and
 * {@code Mono.delay} arm delayed work on the runtime's timer wheel.
 *
 * <p>In a test, {@code CmwqVirtualTime} (from reactor-cmwq, needs reactor-test) gives a runtime
 * on a manual clock and a {@code VirtualTimeScheduler} for {@code StepVerifier.withVirtualTime}
 * whose {@code thenAwait} moves cmwq's timer wheel too: an hour of reminders is verified in
 * milliseconds (see {@code DelayedRemindersTest}). A cmwq scheduler passed explicitly to an
 * operator keeps its runtime's clock, which is why the virtual-time support has to move that
 * clock rather than replace the scheduler.
 *
 * <p>Use the pattern for any operator chain with delays, intervals or timeouts you pass a cmwq
 * scheduler to.
 */
public final class DelayedReminders {

  private DelayedReminders() {}

  /** Returns: one reminder per topic, {@code every} apart, the first {@code every} after subscription. */
  public static Flux<String> reminders(List<String> topics, Duration every, Scheduler scheduler) {
    return Flux.fromIterable(topics)
        .delayElements(every, scheduler)
        .map(topic -> "reminder: " + topic);
  }

  /** Returns: "snoozed: topic", {@code snooze} after subscription. */
  public static Mono<String> snooze(String topic, Duration snooze, Scheduler scheduler) {
    return Mono.delay(snooze, scheduler).map(x -> "snoozed: " + topic);
  }

  public static void main(String[] args) throws Exception {
    try (WorkqueueRuntime rt = WorkqueueRuntime.builder().cpus(2).build()) {
      run(rt, Duration.ofMillis(200), System.out);
    }
  }

  /** Runs the reminders in real time on {@code rt}'s bound workqueue; returns what they emitted. */
  public static List<String> run(WorkqueueRuntime rt, Duration every, PrintStream out) {
    WorkqueueScheduler scheduler = CmwqSchedulers.bound(rt);
    try {
      List<String> seen = reminders(List.of("standup", "lunch", "review"), every, scheduler)
          .concatWith(snooze("review", every, scheduler))
          .doOnNext(s -> out.printf("%s on %s%n", s, Thread.currentThread().getName()))
          .collectList()
          .block(Duration.ofSeconds(10));
      return seen;
    } finally {
      scheduler.dispose();
    }
  }
}
