package org.grouptherapy.kernel;

/**
 * Hears of every schedule change inside the transaction that makes it, so that whatever it records
 * (Communications, outbox rows) commits or rolls back with the change.
 */
public interface ScheduleChangeListener {

  void changed(ScheduleChange change);
}
