package dev.cmwq.micrometer;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The meters of one observed thing (a workqueue, or the runtime itself) in every registry they
 * were bound to, added per registry and removed all together, once.
 *
 * <p>Removal may be started from inside a meter's value function (a scrape or publish thread
 * that finds its workqueue destroyed), so nothing here takes a lock of {@link WorkqueueMetrics}
 * or holds a lock while it calls a registry: a registry's meter map is concurrent, and
 * {@link MeterRegistry#remove(Meter)} takes only the registry's own lock.
 */
abstract class MeterSet {

  /** Set once, when the meters go for good; a removed set is never bound again. */
  private final AtomicBoolean removed = new AtomicBoolean();

  /** The meters per registry they were registered with. */
  private final ConcurrentHashMap<MeterRegistry, List<Meter>> meters = new ConcurrentHashMap<>();

  /** Returns: the meters of this set, newly registered with {@code registry}. */
  abstract List<Meter> register(MeterRegistry registry);

  /** Called once, after {@link #remove()} has removed the meters: unlink from the owner. */
  abstract void onRemoved();

  /** Registers the meters with {@code registry}, unless they are there already or removed. */
  final void bindTo(MeterRegistry registry) {
    if (removed.get() || meters.containsKey(registry)) {
      return;
    }
    // registered outside any map lock: a registry may call back into value functions
    meters.putIfAbsent(registry, register(registry));
    // Dekker pair with remove(): it writes `removed`, then reads `meters`; we wrote `meters`,
    // then read `removed` (both sequentially consistent), so one of us sees the other and the
    // meters just registered cannot outlive a concurrent removal.
    if (removed.get()) {
      unregisterAll();
    }
  }

  /**
   * Removes the meters from every registry they were bound to; idempotent.
   *
   * @return true if this call removed them
   */
  final boolean remove() {
    if (!removed.compareAndSet(false, true)) {
      return false;
    }
    unregisterAll();
    onRemoved();
    return true;
  }

  /** Returns: whether {@link #remove()} was called. */
  final boolean isRemoved() {
    return removed.get();
  }

  private void unregisterAll() {
    for (MeterRegistry registry : meters.keySet()) {
      List<Meter> list = meters.remove(registry); // whoever takes the entry removes its meters
      if (list != null) {
        for (Meter m : list) {
          registry.remove(m);
        }
      }
    }
  }
}
