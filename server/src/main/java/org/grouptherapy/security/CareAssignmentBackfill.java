package org.grouptherapy.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.TransactionLocks;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Group;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fills {@code gt.care_assignment} from the Groups and Appointments a database held before
 * caseloads were kept there: once per database, by whichever instance starts first (under an
 * advisory lock; the others wait, then find it done). Later writes keep it current ({@link
 * CareAssignments}).
 */
@Component
@Order(5)
class CareAssignmentBackfill implements ApplicationRunner {

  static final String TASK = "care-assignment-backfill";
  private static final int PAGE = 500;
  private static final Logger log = LoggerFactory.getLogger(CareAssignmentBackfill.class);

  private final JdbcTemplate jdbc;
  private final TransactionTemplate transactions;
  private final TransactionLocks locks;
  private final DaoRegistry daos;
  private final CareAssignments assignments;

  CareAssignmentBackfill(
      JdbcTemplate jdbc,
      TransactionTemplate transactions,
      TransactionLocks locks,
      DaoRegistry daos,
      CareAssignments assignments) {
    this.jdbc = jdbc;
    this.transactions = transactions;
    this.locks = locks;
    this.daos = daos;
    this.assignments = assignments;
  }

  @Override
  public void run(ApplicationArguments args) {
    transactions.executeWithoutResult(
        status -> {
          locks.lock("startup:" + TASK);
          Integer done =
              jdbc.queryForObject(
                  "SELECT count(*) FROM gt.startup_task WHERE name = ?", Integer.class, TASK);
          if (done != null && done > 0) {
            return;
          }
          int sources = fill("Group") + fill("Appointment");
          jdbc.update("INSERT INTO gt.startup_task (name) VALUES (?)", TASK);
          if (sources > 0) {
            log.info("Caseloads filled from {} groups and appointments", sources);
          }
        });
  }

  private int fill(String type) {
    IBundleProvider found =
        daos.getResourceDao(type).search(new SearchParameterMap(), new SystemRequestDetails());
    int count = 0;
    for (int from = 0; ; from += PAGE) {
      var page = found.getResources(from, from + PAGE);
      if (page.isEmpty()) {
        return count;
      }
      for (IBaseResource resource : page) {
        CareAssignments.Author server = CareAssignments.Author.SERVER;
        if (resource instanceof Group group) {
          assignments.replace(References.of(group), assignments.pairsOf(group), server);
        } else if (resource instanceof Appointment appointment) {
          assignments.replace(References.of(appointment), assignments.pairsOf(appointment), server);
        }
        count++;
      }
    }
  }
}
