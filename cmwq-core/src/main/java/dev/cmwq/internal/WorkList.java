package dev.cmwq.internal;

import org.jspecify.annotations.Nullable;

/**
 * An intrusive, sentinel-headed, doubly-linked list of work items: the pool worklist, a pool
 * workqueue's inactive list and a worker's scheduled list. O(1) append, push, unlink; it never
 * allocates after construction. Guarded by the lock of the pool that owns it (L); an item is on
 * at most one list at a time.
 */
final class WorkList {

  /** The sentinel; {@code head.next} is the first item, {@code head.prev} the last. */
  private final WorkItem head = new Sentinel();

  WorkList() {
    head.next = head;
    head.prev = head;
  }

  boolean isEmpty() {
    return head.next == head;
  }

  /** Returns: the first item, or null when empty. */
  @Nullable WorkItem first() {
    WorkItem f = head.next;
    return f == head ? null : f;
  }

  /** Returns: the item after {@code w} on this list, or null when {@code w} is the last. */
  @Nullable WorkItem nextOf(WorkItem w) {
    WorkItem n = w.next;
    return n == head ? null : n;
  }

  void addLast(WorkItem w) {
    insertBefore(w, head);
  }

  void addFirst(WorkItem w) {
    insertBefore(w, head.next);
  }

  /** Inserts {@code w} right after {@code pos}, which is on some list. */
  static void addAfter(WorkItem w, WorkItem pos) {
    insertBefore(w, pos.next);
  }

  private static void insertBefore(WorkItem w, @Nullable WorkItem pos) {
    WorkItem p = pos.prev;
    w.prev = p;
    w.next = pos;
    p.next = w;
    pos.prev = w;
  }

  /** Unlinks {@code w} from whatever list holds it (lists are circular through their sentinel). */
  static void unlink(WorkItem w) {
    WorkItem p = w.prev;
    WorkItem n = w.next;
    p.next = n;
    n.prev = p;
    w.next = null;
    w.prev = null;
  }

  /** Returns: whether {@code w} is this list's sentinel (the end of a walk along {@code next}). */
  boolean isHead(@Nullable WorkItem w) {
    return w == head;
  }

  /** The sentinel never runs. */
  private static final class Sentinel extends WorkItem {
    @Override
    protected void execute() {
      throw new AssertionError("list sentinel executed");
    }
  }
}
