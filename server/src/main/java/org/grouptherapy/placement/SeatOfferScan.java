package org.grouptherapy.placement;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.time.Instant;
import org.grouptherapy.kernel.PeriodicTask;
import org.grouptherapy.kernel.TransactionLocks;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every {@code app.waitlist.scan-interval}, closes the seat offers that have ended (expired,
 * declined, withdrawn) and offers each freed seat to the next person waiting, one group at a time
 * under its lock, so several instances scanning at once offer each seat once.
 */
@Component
class SeatOfferScan implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(SeatOfferScan.class);

  private final SeatOffers offers;
  private final DaoRegistry daos;
  private final TransactionLocks locks;
  private final TransactionTemplate transaction;
  private final PlacementFacts facts;
  private final Clock clock;
  private final AppProperties.Waitlist settings;
  private final PeriodicTask task;

  SeatOfferScan(
      SeatOffers offers,
      DaoRegistry daos,
      TransactionLocks locks,
      PlatformTransactionManager transactions,
      PlacementFacts facts,
      Clock clock,
      AppProperties properties) {
    this.offers = offers;
    this.daos = daos;
    this.locks = locks;
    this.transaction = new TransactionTemplate(transactions);
    this.facts = facts;
    this.clock = clock;
    this.settings = properties.waitlist();
    this.task =
        new PeriodicTask("seat-offers", settings.scanInterval(), () -> run(clock.instant()));
  }

  /**
   * Closes the offers over at {@code now} and offers their seats on, then offers any other free
   * seat of a group people wait for; answers how many offers closed plus how many were made.
   */
  int run(Instant now) {
    int closed = 0;
    for (SeatOffers.Ended offer : offers.ended(now)) {
      if (reoffer(offer)) {
        closed++;
      }
    }
    if (closed > 0) {
      log.info("Closed {} seat offer(s) and offered the seats on", closed);
    }
    // Seats freed another way than $member-remove (a plain Group update ending a membership, a
    // raised capacity, a membership's end date reached) are offered too.
    int offered = 0;
    for (String group : offers.groupsWithWaiting()) {
      offered += offerFree(group);
    }
    if (offered > 0) {
      log.info("Offered {} free seat(s) to people waiting", offered);
    }
    return closed + offered;
  }

  /** Offers a group's free seats under its lock; answers how many offers were made. */
  private int offerFree(String groupId) {
    Integer offered =
        transaction.execute(
            tx -> {
              locks.lock("group:" + groupId);
              Group group;
              try {
                group =
                    daos.getResourceDao(Group.class)
                        .read(new IdType(groupId), new SystemRequestDetails());
              } catch (RuntimeException gone) {
                return 0;
              }
              return offers.offerFreeSeats(group, facts.today().plusDays(1)).size();
            });
    return offered == null ? 0 : offered;
  }

  /**
   * Closes a seat offer that has ended and offers the seat to the next suitable person waiting, in
   * one transaction under the group's lock (the lock enrolment takes); false if another instance
   * closed it first.
   */
  private boolean reoffer(SeatOffers.Ended offer) {
    Boolean closed =
        transaction.execute(
            tx -> {
              locks.lock("group:" + offer.groupId());
              if (!offers.close(offer)) {
                return false;
              }
              Group group;
              try {
                group =
                    daos.getResourceDao(Group.class)
                        .read(new IdType(offer.groupId()), new SystemRequestDetails());
              } catch (RuntimeException gone) {
                return true; // the group is gone: nothing to offer
              }
              offers.offerFreeSeats(group, facts.today().plusDays(1));
              return true;
            });
    return Boolean.TRUE.equals(closed);
  }

  @Override
  public void start() {
    task.start();
  }

  @Override
  public void stop() {
    task.stop();
  }

  @Override
  public boolean isRunning() {
    return task.isRunning();
  }
}
