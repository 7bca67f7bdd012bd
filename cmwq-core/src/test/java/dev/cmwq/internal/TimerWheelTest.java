package dev.cmwq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Deterministic tests of {@link TimerWheel}: time is only ever the {@code now} passed in. */
class TimerWheelTest {
  static final long TICK = 1L << TimerWheel.TICK_SHIFT;
  static final long DAY = TimeUnit.DAYS.toNanos(1);

  /** Clock origins: plain, mid-tick, and on both sides of the wrap from MAX_VALUE to MIN_VALUE. */
  static final long[] STARTS = {
    0L,
    123_456_789L,
    Long.MAX_VALUE - 1_000_000L,
    Long.MIN_VALUE - 1_000_000L, // == MAX_VALUE - 999_999: the first tick crosses the wrap
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    -1L,
    Long.MAX_VALUE - 3 * DAY, // long delays run across the wrap
  };

  static final class Node extends TimerNode {
    final int id;

    Node(int id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return "Node" + id + "@" + expires;
    }
  }

  /** Returns: the chain as a list, checking that every node in it is disarmed. */
  static List<Node> drain(@Nullable TimerNode chain) {
    List<Node> out = new ArrayList<>();
    for (TimerNode n = chain; n != null; n = n.tnext) {
      assertThat(n.bucket).as("fired node is disarmed").isEqualTo(-1);
      assertThat(out).as("chain has no cycle").hasSizeLessThan(1_000_000);
      out.add((Node) n);
    }
    return out;
  }

  static Stream<Arguments> delaysAtEveryLevel() {
    List<Long> delays = new ArrayList<>(List.of(1L, TICK - 1, TICK, TICK + 1, 63 * TICK, 64 * TICK));
    for (int k = 1; k < TimerWheel.LEVELS; k++) {
      long span = (64L << (3 * k)) * TICK; // 8^k * 64 ticks: the first delay past level k-1
      delays.add(span - 1);
      delays.add(span);
      delays.add(span + 12_345);
    }
    delays.add(30 * DAY);
    delays.add(400 * DAY);
    List<Arguments> args = new ArrayList<>();
    for (long start : STARTS) {
      for (long d : delays) {
        args.add(Arguments.of(start, d));
      }
    }
    return args.stream();
  }

  @ParameterizedTest(name = "start={0} delay={1}")
  @MethodSource("delaysAtEveryLevel")
  void firesAtDeadlineNotOneNanosecondBefore_jumping(long start, long delay) {
    TimerWheel w = new TimerWheel(start);
    Node n = new Node(1);
    long deadline = start + delay;
    assertThat(w.schedule(n, deadline)).isFalse();
    assertThat(w.nextExpiry() - deadline).as("nextExpiry <= deadline").isLessThanOrEqualTo(0);

    assertThat(w.advance(deadline - 1)).isNull();
    assertThat(TimerWheel.isArmed(n)).isTrue();
    assertThat(w.size()).isEqualTo(1);
    assertThat(w.nextExpiry()).as("once 1 ns away the node sits in level 0").isEqualTo(deadline);

    assertThat(drain(w.advance(deadline))).containsExactly(n);
    assertThat(TimerWheel.isArmed(n)).isFalse();
    assertThat(w.size()).isZero();
    assertThat(w.advance(deadline + 365 * DAY)).isNull();
  }

  @ParameterizedTest(name = "start={0} delay={1}")
  @MethodSource("delaysAtEveryLevel")
  void ticklessThreadFollowingNextExpiryFiresExactlyAtDeadline(long start, long delay) {
    TimerWheel w = new TimerWheel(start);
    Node n = new Node(1);
    long deadline = start + delay;
    w.schedule(n, deadline);
    // at most one move per level, plus one re-park per ~12.8 days past the top level's range
    int maxWakeups = TimerWheel.LEVELS + (int) (delay / (12 * DAY)) + 1;
    int wakeups = 0;
    long now = start;
    while (true) {
      long next = w.nextExpiry();
      assertThat(next - now).as("nextExpiry is after the clock").isPositive();
      assertThat(next - deadline).as("nextExpiry never after the deadline").isLessThanOrEqualTo(0);
      if (next == deadline) {
        break;
      }
      // a cascade point: nothing fires, and one ns earlier nothing happens either
      assertThat(w.advance(next - 1)).isNull();
      assertThat(w.advance(next)).isNull();
      now = next;
      wakeups++;
      assertThat(wakeups).as("a cascade moves a node at least one level down").isLessThanOrEqualTo(maxWakeups);
    }
    assertThat(w.advance(deadline - 1)).isNull();
    assertThat(drain(w.advance(deadline))).containsExactly(n);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 1_000_000L, Long.MIN_VALUE - 1_000_000L})
  void rearmShorterAndLonger(long start) {
    TimerWheel w = new TimerWheel(start);
    Node n = new Node(1);
    assertThat(w.schedule(n, start + 10 * DAY)).isFalse();
    assertThat(w.schedule(n, start + 5 * TICK)).as("re-arm shorter").isTrue();
    assertThat(w.nextExpiry()).isEqualTo(start + 5 * TICK);
    assertThat(w.advance(start + 5 * TICK - 1)).isNull();
    assertThat(w.schedule(n, start + 3 * DAY)).as("re-arm longer").isTrue();
    assertThat(w.size()).isEqualTo(1);
    assertThat(w.advance(start + 5 * TICK)).as("old deadline is void").isNull();
    assertThat(w.advance(start + 3 * DAY - 1)).isNull();
    assertThat(drain(w.advance(start + 3 * DAY))).containsExactly(n);
  }

  @Test
  void rearmIntoTheSameBucketOnlyRewritesTheDeadline() {
    long start = Long.MIN_VALUE - 10 * TICK; // tick-aligned, 10 ticks before the wrap
    TimerWheel w = new TimerWheel(start);
    Node n = new Node(1);
    Node other = new Node(2);
    long first = start + 20 * TICK + 5;
    w.schedule(n, first);
    w.schedule(other, start + 20 * TICK); // same tick as n: same bucket
    int bucket = n.bucket;
    assertThat(other.bucket).isEqualTo(bucket);
    assertThat(other.tnext).as("the bucket list: other, n").isSameAs(n);

    assertThat(w.schedule(n, first + 1)).isTrue();
    assertThat(n.bucket).isEqualTo(bucket);
    assertThat(n.expires).isEqualTo(first + 1);
    assertThat(other.tnext).as("n was not relinked").isSameAs(n);
    assertThat(w.size()).isEqualTo(2);

    // a different bucket relinks
    assertThat(w.schedule(n, first + TICK)).isTrue();
    assertThat(n.bucket).isNotEqualTo(bucket);
    assertThat(w.schedule(n, first + 1)).isTrue();
    assertThat(n.bucket).isEqualTo(bucket);

    assertThat(drain(w.advance(first))).as("other is at the tick start").containsExactly(other);
    assertThat(drain(w.advance(first + 1))).containsExactly(n);

    // same for a coarse bucket: the node fires at its new deadline, never the old one
    Node c = new Node(3);
    long coarse = first + DAY;
    w.schedule(c, coarse);
    int cb = c.bucket;
    assertThat(cb).isGreaterThanOrEqualTo(TimerWheel.LEVEL_SIZE);
    assertThat(w.schedule(c, coarse + 1000)).isTrue();
    assertThat(c.bucket).isEqualTo(cb);
    assertThat(w.advance(coarse)).isNull();
    assertThat(drain(w.advance(coarse + 1000))).containsExactly(c);
  }

  @Test
  void cancelReturnsTrueThenFalseAndTheNodeNeverFires() {
    TimerWheel w = new TimerWheel(Long.MIN_VALUE - 50 * TICK);
    long start = Long.MIN_VALUE - 50 * TICK;
    Node[] nodes = new Node[5];
    long[] delays = {1, 10 * TICK, 1000 * TICK, 2 * DAY, 40 * DAY};
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new Node(i);
      assertThat(w.schedule(nodes[i], start + delays[i])).isFalse();
    }
    assertThat(w.size()).isEqualTo(5);
    for (int i = 0; i < nodes.length; i += 2) {
      assertThat(w.cancel(nodes[i])).isTrue();
      assertThat(TimerWheel.isArmed(nodes[i])).isFalse();
      assertThat(nodes[i].tnext).isNull();
      assertThat(nodes[i].tprev).isNull();
      assertThat(w.cancel(nodes[i])).isFalse();
    }
    assertThat(w.size()).isEqualTo(2);
    assertThat(drain(w.advance(start + 365 * DAY))).containsExactly(nodes[1], nodes[3]);
    assertThat(w.cancel(nodes[1])).as("cancel after firing").isFalse();
    assertThat(w.size()).isZero();
    // a cancelled node can be armed again, afresh
    assertThat(w.schedule(nodes[0], start + 366 * DAY)).isFalse();
    assertThat(drain(w.advance(start + 366 * DAY))).containsExactly(nodes[0]);
  }

  @Test
  void cancelOfTheLastNodeInABucketKeepsTheOthers() {
    TimerWheel w = new TimerWheel(0);
    Node a = new Node(1);
    Node b = new Node(2);
    Node c = new Node(3);
    w.schedule(a, 5 * TICK + 1);
    w.schedule(b, 5 * TICK + 2);
    w.schedule(c, 5 * TICK + 3); // list: c, b, a
    assertThat(w.cancel(b)).isTrue(); // middle
    assertThat(w.cancel(c)).isTrue(); // head
    assertThat(w.nextExpiry()).isEqualTo(5 * TICK + 1);
    assertThat(w.cancel(a)).isTrue(); // last one: the bucket empties
    assertThat(w.size()).isZero();
    assertThat(w.advance(10 * TICK)).isNull();
  }

  @Test
  void nextExpiryIsNeverLaterThanTheEarliestDeadlineAndExactInLevelZero() {
    long start = Long.MAX_VALUE - 30 * TICK;
    TimerWheel w = new TimerWheel(start);
    Node a = new Node(1);
    Node b = new Node(2);
    Node far = new Node(3);
    w.schedule(far, start + 5 * DAY);
    assertThat(w.nextExpiry() - start).isPositive();
    assertThat(w.nextExpiry() - (start + 5 * DAY)).isLessThanOrEqualTo(0);
    w.schedule(a, start + 40 * TICK + 777); // level 0, across the wrap
    w.schedule(b, start + 40 * TICK + 555); // same bucket, earlier: the bucket is scanned
    assertThat(w.nextExpiry()).isEqualTo(start + 40 * TICK + 555);
    w.cancel(b);
    assertThat(w.nextExpiry()).isEqualTo(start + 40 * TICK + 777);
    w.schedule(b, start + 2 * TICK + 3);
    assertThat(w.nextExpiry()).isEqualTo(start + 2 * TICK + 3);
    w.cancel(a);
    w.cancel(b);
    assertThat(w.nextExpiry() - start).isPositive();
    assertThat(w.nextExpiry() - (start + 5 * DAY)).isLessThanOrEqualTo(0);
  }

  @Test
  void nextExpiryOfAnEmptyWheelIsAsFarAheadAsTimeCanSay() {
    TimerWheel w = new TimerWheel(42);
    assertThat(w.size()).isZero();
    assertThat(w.nextExpiry()).isEqualTo(42 + Long.MAX_VALUE);
    assertThat(w.advance(42 + 365 * DAY)).isNull();
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 1_000_000L, Long.MIN_VALUE - 1_000_000L, -7L})
  void advanceReturnsTheChainInDeadlineOrder(long start) {
    TimerWheel w = new TimerWheel(start);
    Random rnd = new Random(start);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      Node n = new Node(i);
      nodes.add(n);
      // many ties, every level up to ~an hour
      long delay = rnd.nextBoolean() ? rnd.nextInt(50) * 1_000_000L : (long) (rnd.nextDouble() * 3.6e12);
      w.schedule(n, start + 1 + delay);
    }
    List<Node> fired = new ArrayList<>();
    long now = start;
    while (w.size() > 0) {
      now += rnd.nextInt(4) == 0 ? TimeUnit.MINUTES.toNanos(7) : rnd.nextInt(3_000_000);
      List<Node> batch = drain(w.advance(now));
      for (int i = 1; i < batch.size(); i++) {
        assertThat(batch.get(i).expires - batch.get(i - 1).expires).isGreaterThanOrEqualTo(0);
      }
      for (Node n : batch) {
        assertThat(n.expires - now).as("never early").isLessThanOrEqualTo(0);
      }
      fired.addAll(batch);
    }
    assertThat(fired).containsExactlyInAnyOrderElementsOf(nodes);
    for (int i = 1; i < fired.size(); i++) {
      assertThat(fired.get(i).expires - fired.get(i - 1).expires).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void tiesKeepAnyOrderButAllFireTogether() {
    TimerWheel w = new TimerWheel(0);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Node n = new Node(i);
      nodes.add(n);
      w.schedule(n, 3 * DAY); // all in one coarse bucket, then one level-0 bucket
    }
    assertThat(w.advance(3 * DAY - 1)).isNull();
    assertThat(drain(w.advance(3 * DAY))).containsExactlyInAnyOrderElementsOf(nodes);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE, Long.MIN_VALUE - 1_000_000L})
  void aDeadlineInThePastFiresOnTheNextAdvance(long start) {
    TimerWheel w = new TimerWheel(start);
    w.advance(start + 10 * TICK + 17);
    long now = start + 10 * TICK + 17;
    Node past = new Node(1);
    Node atClock = new Node(2);
    Node longAgo = new Node(3);
    w.schedule(past, now - 1);
    w.schedule(atClock, now);
    w.schedule(longAgo, now - 30 * DAY);
    assertThat(w.nextExpiry() - now).isLessThanOrEqualTo(0);
    assertThat(drain(w.advance(now))).containsExactly(longAgo, past, atClock);
    assertThat(w.size()).isZero();

    // re-armed into the past through a coarse bucket: moves to the current level-0 bucket
    Node n = new Node(4);
    w.schedule(n, now + 2 * DAY);
    w.schedule(n, now - 5);
    assertThat(n.bucket).isLessThan(TimerWheel.LEVEL_SIZE);
    assertThat(drain(w.advance(now))).containsExactly(n);
  }

  @Test
  void theClockNeverGoesBack() {
    long start = Long.MAX_VALUE - 5 * TICK;
    TimerWheel w = new TimerWheel(start);
    long now = start + 20 * TICK; // past the wrap
    assertThat(w.advance(now)).isNull();
    Node n = new Node(1);
    w.schedule(n, now + TICK);
    // going "back" is a no-op: the deadline is still one tick after the clock
    assertThat(w.advance(now - 10 * TICK)).isNull();
    assertThat(w.advance(now + TICK - 1)).isNull();
    assertThat(drain(w.advance(now + TICK))).containsExactly(n);
    // a past deadline fires on an advance that tries to go back
    w.schedule(n, now);
    assertThat(drain(w.advance(start))).containsExactly(n);
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, Long.MAX_VALUE - 1_000_000L, Long.MIN_VALUE - 1_000_000L, Long.MAX_VALUE})
  void aHugeJumpFiresEverythingExactlyOnce(long start) {
    TimerWheel w = new TimerWheel(start);
    Random rnd = new Random(7);
    Set<Node> armed = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      Node n = new Node(i);
      w.schedule(n, start + 1 + (long) (rnd.nextDouble() * 60 * DAY));
      armed.add(n);
    }
    assertThat(w.size()).isEqualTo(10_000);
    long year = start + 365 * DAY;
    List<Node> fired = drain(w.advance(year));
    assertThat(fired).hasSize(10_000);
    assertThat(new HashSet<>(fired)).isEqualTo(armed);
    for (int i = 1; i < fired.size(); i++) {
      assertThat(fired.get(i).expires - fired.get(i - 1).expires).isGreaterThanOrEqualTo(0);
    }
    assertThat(w.size()).isZero();
    long later = year + 365 * DAY;
    assertThat(w.advance(later)).isNull();

    // and the wheel works on from the new clock
    Node n = new Node(-1);
    w.schedule(n, later + 3 * TICK);
    assertThat(w.nextExpiry()).isEqualTo(later + 3 * TICK);
    assertThat(w.advance(later + 3 * TICK - 1)).isNull();
    assertThat(drain(w.advance(later + 3 * TICK))).containsExactly(n);
  }

  @Test
  void aHugeJumpFiresOnlyWhatIsDueAndKeepsTheRest() {
    long start = Long.MAX_VALUE - DAY;
    TimerWheel w = new TimerWheel(start);
    Node early = new Node(1);
    Node late = new Node(2);
    w.schedule(early, start + 200 * DAY);
    w.schedule(late, start + 800 * DAY);
    assertThat(drain(w.advance(start + 365 * DAY))).containsExactly(early);
    assertThat(w.size()).isEqualTo(1);
    assertThat(w.advance(start + 800 * DAY - 1)).isNull();
    assertThat(drain(w.advance(start + 800 * DAY))).containsExactly(late);
  }

  @Test
  void acrossTheWrapFromMaxValueToMinValue() {
    long start = Long.MAX_VALUE - 1_000_000L;
    TimerWheel w = new TimerWheel(start);
    Node before = new Node(1);
    Node at = new Node(2);
    Node after = new Node(3);
    Node much = new Node(4);
    w.schedule(before, Long.MAX_VALUE);
    w.schedule(at, Long.MIN_VALUE);
    w.schedule(after, Long.MIN_VALUE + 5 * TICK);
    w.schedule(much, Long.MIN_VALUE + 3 * DAY);
    assertThat(w.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    assertThat(w.advance(Long.MAX_VALUE - 1)).isNull();
    assertThat(drain(w.advance(Long.MAX_VALUE))).containsExactly(before);
    assertThat(drain(w.advance(Long.MIN_VALUE))).containsExactly(at);
    assertThat(w.advance(Long.MIN_VALUE + 5 * TICK - 1)).isNull();
    assertThat(drain(w.advance(Long.MIN_VALUE + 3 * DAY))).containsExactly(after, much);
  }

  @Test
  void aNodeReArmedWhileWalkingTheReturnedChainWorks() {
    TimerWheel w = new TimerWheel(Long.MIN_VALUE - 2 * TICK);
    long now = Long.MIN_VALUE - 2 * TICK;
    Node[] nodes = new Node[4];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new Node(i);
      w.schedule(nodes[i], now + (i + 1) * 1000);
    }
    now += 10_000;
    int seen = 0;
    TimerNode next;
    for (TimerNode n = w.advance(now); n != null; n = next) {
      next = n.tnext; // read first: re-arming reuses tnext
      seen++;
      // periodic: re-arm each one period later, one of them into the past
      long period = n == nodes[2] ? -1 : 5 * TICK;
      assertThat(w.schedule(n, n.expires + period)).isFalse();
    }
    assertThat(seen).isEqualTo(4);
    assertThat(w.size()).isEqualTo(4);
    assertThat(drain(w.advance(now))).containsExactly(nodes[2]);
    assertThat(w.advance(now - 10_000 + 5 * TICK)).isNull();
    assertThat(drain(w.advance(now + 5 * TICK))).containsExactly(nodes[0], nodes[1], nodes[3]);
  }

  @Test
  void scheduleReturnsFalseForAFreshArmAndTrueForAReArm() {
    TimerWheel w = new TimerWheel(0);
    Node n = new Node(1);
    assertThat(TimerWheel.isArmed(n)).isFalse();
    assertThat(w.schedule(n, DAY)).isFalse();
    assertThat(TimerWheel.isArmed(n)).isTrue();
    assertThat(w.schedule(n, DAY)).isTrue();
    assertThat(w.schedule(n, 2)).isTrue();
    assertThat(w.size()).isEqualTo(1);
    assertThat(drain(w.advance(2))).containsExactly(n);
    assertThat(w.schedule(n, 3)).as("after firing, arming is fresh again").isFalse();
  }

  @Test
  void removeIfDisarmsTheMatchingNodesAtEveryLevelAndKeepsTheRest() {
    long start = Long.MAX_VALUE - 7 * TICK;
    TimerWheel w = new TimerWheel(start);
    assertThat(w.removeIf(n -> true)).as("empty wheel").isNull();
    List<Node> even = new ArrayList<>();
    List<Node> odd = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Node n = new Node(i);
      // from the past to beyond the top level, several per bucket
      long delay = i < 10 ? -i : (1L << (i / 4)) + i;
      w.schedule(n, start + delay);
      (i % 2 == 0 ? even : odd).add(n);
    }
    assertThat(w.removeIf(n -> false)).isNull();
    assertThat(w.size()).isEqualTo(200);

    List<Node> removed = drain(w.removeIf(n -> ((Node) n).id % 2 == 0));
    assertThat(removed).containsExactlyInAnyOrderElementsOf(even);
    for (Node n : removed) {
      assertThat(n.tprev).isNull();
      assertThat(TimerWheel.isArmed(n)).isFalse();
      assertThat(w.cancel(n)).isFalse();
    }
    assertThat(w.size()).isEqualTo(100);

    List<Node> fired = new ArrayList<>();
    long now = start;
    while (w.size() > 0) {
      now = w.nextExpiry();
      fired.addAll(drain(w.advance(now)));
    }
    assertThat(fired).containsExactlyInAnyOrderElementsOf(odd);
    for (Node n : fired) {
      assertThat(n.expires - now).isLessThanOrEqualTo(0);
    }

    w.schedule(odd.get(0), now + DAY);
    w.schedule(odd.get(1), now + 1);
    assertThat(drain(w.removeIf(n -> true))).containsExactlyInAnyOrder(odd.get(0), odd.get(1));
    assertThat(w.size()).isZero();
    assertThat(w.advance(now + 365 * DAY)).isNull();
  }

  @Test
  void sizeCountsArmedNodes() {
    TimerWheel w = new TimerWheel(Long.MAX_VALUE);
    Node[] nodes = new Node[50];
    for (int i = 0; i < nodes.length; i++) {
      nodes[i] = new Node(i);
      w.schedule(nodes[i], Long.MAX_VALUE + (i + 1) * 100 * TICK);
      assertThat(w.size()).isEqualTo(i + 1);
    }
    w.schedule(nodes[0], Long.MAX_VALUE + 3 * TICK); // re-arm: no change
    assertThat(w.size()).isEqualTo(50);
    w.cancel(nodes[1]);
    w.cancel(nodes[1]);
    assertThat(w.size()).isEqualTo(49);
    assertThat(drain(w.advance(Long.MAX_VALUE + 1000 * TICK))).hasSize(9);
    assertThat(w.size()).isEqualTo(40);
  }
}
