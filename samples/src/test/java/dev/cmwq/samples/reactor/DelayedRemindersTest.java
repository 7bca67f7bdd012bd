package dev.cmwq.samples.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmwq.reactor.CmwqVirtualTime;
import dev.cmwq.samples.SampleRuntimes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class DelayedRemindersTest extends SampleRuntimes {

  private static final AtomicInteger SEQ = new AtomicInteger();

  private CmwqVirtualTime vt;
  private String vtPrefix;

  @BeforeEach
  void setUp() {
    vtPrefix = "kworker-vt" + SEQ.incrementAndGet() + "/";
    vt = CmwqVirtualTime.create(b -> b.threadNamePrefix(vtPrefix));
  }

  @AfterEach
  void tearDown() {
    vt.close();
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(t -> t.isAlive() && t.getName().startsWith(vtPrefix))
        .as("threads left behind")
        .isEmpty();
  }

  @Test
  void hourlyRemindersInVirtualTime() {
    StepVerifier.withVirtualTime(
            () -> DelayedReminders.reminders(List.of("standup", "lunch"), Duration.ofHours(1), vt.bound()),
            vt::virtualTimeScheduler,
            Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofMinutes(59))
        .thenAwait(Duration.ofMinutes(1))
        .expectNext("reminder: standup")
        .expectNoEvent(Duration.ofMinutes(59))
        .thenAwait(Duration.ofMinutes(1))
        .expectNext("reminder: lunch")
        .expectComplete()
        .verify(Duration.ofSeconds(10));
    assertThat(vt.now()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void snoozeFiresOnACmwqWorkerWhenVirtualTimeReachesIt() {
    StepVerifier.withVirtualTime(
            () -> DelayedReminders.snooze("review", Duration.ofDays(1), vt.unbound())
                .map(s -> s + " on " + Thread.currentThread().getName()),
            vt::virtualTimeScheduler,
            Long.MAX_VALUE)
        .expectSubscription()
        .expectNoEvent(Duration.ofDays(1).minusNanos(1))
        .thenAwait(Duration.ofNanos(1))
        .assertNext(s -> assertThat(s).startsWith("snoozed: review on " + vtPrefix))
        .expectComplete()
        .verify(Duration.ofSeconds(10));
  }

  @Test
  void mainRunsInRealTime() {
    List<String> seen = DelayedReminders.run(runtime(2), Duration.ofMillis(1), QUIET);
    assertThat(seen).containsExactly("reminder: standup", "reminder: lunch", "reminder: review", "snoozed: review");
  }
}
