package dev.cmwq.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random arm / re-arm / cancel / advance against a reference model (a map of armed nodes
 * to deadlines, sorted by wrapping deadline on expiry, like a {@code PriorityQueue}). A failure
 * prints its seed; rerun that one case to reproduce it.
 */
class TimerWheelFuzzTest {
  static final long TICK = 1L << TimerWheel.TICK_SHIFT;
  static final long DAY = TimeUnit.DAYS.toNanos(1);
  static final int STEPS = 20_000;
  static final int NODES = 300;

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

  static Stream<Arguments> seeds() {
    return Stream.of(
        Arguments.of(1L, 0L),
        Arguments.of(2L, Long.MAX_VALUE - 1_000_000L),
        Arguments.of(3L, Long.MIN_VALUE - 5 * TICK),
        Arguments.of(4L, Long.MAX_VALUE - 2 * DAY),
        Arguments.of(5L, Long.MAX_VALUE),
        Arguments.of(6L, -1L),
        Arguments.of(7L, 0x5DEECE66DL * 0x123456789L));
  }

  /** The model, and the wheel under test, driven together. */
  static final class Harness {
    final Random rnd;
    final TimerWheel wheel;
    final Map<Node, Long> armed = new HashMap<>(); // node -> deadline
    final Node[] pool = new Node[NODES];
    long clock;

    Harness(long seed, long start) {
      rnd = new Random(seed);
      wheel = new TimerWheel(start);
      clock = start;
      for (int i = 0; i < NODES; i++) {
        pool[i] = new Node(i);
      }
    }

    /** Returns: a delay spread over every level, level boundaries, the past and beyond the top. */
    long randomDelay() {
      int kind = rnd.nextInt(20);
      if (kind == 0) {
        return 0;
      }
      if (kind == 1) {
        return -1 - rnd.nextInt(2_000_000_000); // in the past
      }
      if (kind <= 4) { // just around a level's reach: 8^k * 64 ticks, or a tick boundary
        int k = rnd.nextInt(TimerWheel.LEVELS + 1);
        long edge = k == 0 ? rnd.nextInt(130) * TICK : (64L << (3 * k - 3)) * TICK;
        return Math.max(0, edge + rnd.nextInt(5) - 2 - (clock & (TICK - 1)) * rnd.nextInt(2));
      }
      int bits = 1 + rnd.nextInt(53); // log-uniform, 1 ns to ~104 days
      return (1L << (bits - 1)) + (rnd.nextLong() & ((1L << (bits - 1)) - 1));
    }

    void arm() {
      Node n = pool[rnd.nextInt(NODES)];
      long deadline = clock + randomDelay();
      boolean was = armed.containsKey(n);
      assertThat(wheel.schedule(n, deadline)).as("schedule(%s) returns was-armed", n).isEqualTo(was);
      armed.put(n, deadline);
      assertThat(TimerWheel.isArmed(n)).isTrue();
      assertThat(n.expires).isEqualTo(deadline);
    }

    void cancel() {
      Node n = pool[rnd.nextInt(NODES)];
      boolean was = armed.remove(n) != null;
      assertThat(wheel.cancel(n)).as("cancel(%s)", n).isEqualTo(was);
      assertThat(TimerWheel.isArmed(n)).isFalse();
    }

    void advanceTo(long target) {
      long now = target - clock < 0 ? clock : target; // the wheel never goes back
      List<Node> expected = new ArrayList<>();
      for (Map.Entry<Node, Long> e : armed.entrySet()) {
        if (e.getValue() - now <= 0) {
          expected.add(e.getKey());
        }
      }
      expected.sort(Comparator.comparingLong(n -> armed.get(n) - now));

      List<Node> fired = new ArrayList<>();
      for (TimerNode n = wheel.advance(target); n != null; n = n.tnext) {
        Node node = (Node) n;
        assertThat(n.bucket).as("fired node is disarmed").isEqualTo(-1);
        assertThat(armed).as("fired node was armed").containsKey(node);
        assertThat(n.expires).isEqualTo(armed.get(node));
        assertThat(n.expires - now).as("never early: %s at %s", n, now).isLessThanOrEqualTo(0);
        assertThat(fired.size()).as("chain has no cycle").isLessThanOrEqualTo(NODES);
        fired.add(node);
      }
      assertThat(new HashSet<>(fired)).as("fired set at %s", now).isEqualTo(new HashSet<>(expected));
      assertThat(fired).as("no duplicates").hasSameSizeAs(expected);
      // order by deadline; nodes with equal deadlines may come in any order
      for (int i = 0; i < fired.size(); i++) {
        assertThat(fired.get(i).expires).as("deadline order").isEqualTo(armed.get(expected.get(i)));
      }
      for (Node n : fired) {
        armed.remove(n);
      }
      clock = now;
      if (wheel.size() > 0) {
        assertThat(wheel.nextExpiry() - clock).as("tickless: nothing due after advance").isPositive();
      }
    }

    void check() {
      assertThat(wheel.size()).isEqualTo(armed.size());
      if (armed.isEmpty()) {
        return;
      }
      long earliest = Long.MAX_VALUE;
      for (long d : armed.values()) {
        earliest = Math.min(earliest, d - clock);
      }
      assertThat(wheel.nextExpiry() - clock).as("nextExpiry <= earliest deadline").isLessThanOrEqualTo(earliest);
    }

    void removeIf() {
      int mod = 2 + rnd.nextInt(10);
      int rem = rnd.nextInt(mod);
      List<Node> expected = new ArrayList<>();
      for (Node n : armed.keySet()) {
        if (n.id % mod == rem) {
          expected.add(n);
        }
      }
      List<Node> removed = new ArrayList<>();
      for (TimerNode n = wheel.removeIf(x -> ((Node) x).id % mod == rem); n != null; n = n.tnext) {
        assertThat(n.bucket).isEqualTo(-1);
        assertThat(removed.size()).as("chain has no cycle").isLessThanOrEqualTo(NODES);
        removed.add((Node) n);
      }
      assertThat(removed).containsExactlyInAnyOrderElementsOf(expected);
      for (Node n : removed) {
        armed.remove(n);
      }
    }

    void step() {
      int op = rnd.nextInt(100);
      if (op == 0) {
        removeIf();
      } else if (op < 45) {
        arm();
      } else if (op < 55) {
        cancel();
      } else if (op < 70) {
        advanceTo(wheel.size() > 0 ? wheel.nextExpiry() : clock + rnd.nextInt(1000));
      } else if (op < 75) {
        advanceTo(wheel.size() > 0 ? wheel.nextExpiry() - 1 : clock);
      } else if (op < 88) {
        advanceTo(clock + rnd.nextInt((int) (3 * TICK)));
      } else if (op < 95) {
        advanceTo(clock + (long) Math.exp(rnd.nextDouble() * Math.log(3.6e12))); // up to an hour
      } else if (op < 98) {
        advanceTo(clock + (long) (rnd.nextDouble() * 60 * DAY));
      } else {
        advanceTo(clock - rnd.nextInt(1_000_000_000)); // backwards: a no-op move
      }
      check();
    }

    /** Follows nextExpiry() like a tickless timer thread until the wheel is empty. */
    void drainTickless() {
      int wakeups = 0;
      int bound = (TimerWheel.LEVELS + 10) * (armed.size() + 1);
      while (wheel.size() > 0) {
        advanceTo(wheel.nextExpiry());
        check();
        assertThat(++wakeups).as("bounded wake-ups").isLessThanOrEqualTo(bound);
      }
      assertThat(wheel.advance(clock + 365 * DAY)).isNull();
    }
  }

  @ParameterizedTest(name = "seed={0} start={1}")
  @MethodSource("seeds")
  void matchesTheReferenceModel(long seed, long start) {
    Harness h = new Harness(seed, start);
    for (int i = 0; i < STEPS; i++) {
      h.step();
    }
    h.drainTickless();
  }

  @ParameterizedTest(name = "seed={0} start={1}")
  @MethodSource("seeds")
  void manyReArmsOfBusyNodesAroundTheClock(long seed, long start) {
    // mod_delayed_work-style churn: nodes re-armed again and again a few ticks ahead while the
    // clock creeps forward, so level-0 / level-1 boundaries and same-bucket re-arms dominate
    Harness h = new Harness(seed * 31, start);
    for (int i = 0; i < STEPS; i++) {
      int op = h.rnd.nextInt(10);
      if (op < 6) {
        Node n = h.pool[h.rnd.nextInt(40)];
        long deadline = h.clock + h.rnd.nextInt((int) (100 * TICK)) - TICK;
        assertThat(h.wheel.schedule(n, deadline)).isEqualTo(h.armed.containsKey(n));
        h.armed.put(n, deadline);
      } else if (op < 7) {
        h.cancel();
      } else {
        h.advanceTo(h.clock + h.rnd.nextInt((int) (2 * TICK)));
      }
      h.check();
    }
    h.drainTickless();
  }
}
