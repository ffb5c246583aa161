package org.grouptherapy.fhir;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.grouptherapy.kernel.Outcomes;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The database going away (a restart, a failover, a network fault) is not the server failing: such
 * a request is answered 503 with {@code Retry-After} and an OperationOutcome saying so, whether it
 * failed inside HAPI or before it (the token check reads revocations), instead of a 500 or Spring's
 * error page. Connections come back by themselves when the database does (the pool validates them).
 */
@Component
@Interceptor
class DatabaseUnavailable implements FhirRestInterceptor {

  static final int RETRY_AFTER_SECONDS = 5;

  static final String MESSAGE =
      "The database cannot be reached at the moment (it may be restarting or failing over). Try"
          + " again in "
          + RETRY_AFTER_SECONDS
          + " seconds. A write that was under way may or may not have been stored: read before"
          + " repeating it, or repeat it as a conditional create or update.";

  /** Whether a failure, or anything it was caused by, is the database connection failing. */
  static boolean causedBy(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof DataAccessResourceFailureException
          || cause instanceof CannotCreateTransactionException
          || cause instanceof SQLTransientConnectionException
          || cause instanceof SQLNonTransientConnectionException
          || cause instanceof org.hibernate.exception.JDBCConnectionException) {
        return true;
      }
      // The pool's answer for a connection it closed under the request (it had found it broken),
      // met when the transaction is rolled back: no SQL state, this text (HikariCP).
      if (cause instanceof SQLException sql && "Connection is closed".equals(sql.getMessage())) {
        return true;
      }
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        // 08: connection exceptions; 57P01-57P03: the server shutting down or not yet up.
        if (state.startsWith("08") || state.startsWith("57P0")) {
          return true;
        }
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return false;
  }

  /** Inside HAPI: its 500 for a lost connection becomes this 503. */
  @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
  public BaseServerResponseException lostDatabase(
      RequestDetails request, Throwable exception, HttpServletResponse response) {
    if (!causedBy(exception)) {
      return null;
    }
    response.setHeader("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
    OperationOutcome outcome = new OperationOutcome();
    Outcomes.error(outcome, OperationOutcome.IssueType.TRANSIENT, MESSAGE);
    return new UnclassifiedServerFailureException(503, MESSAGE, outcome);
  }

  /** Before HAPI (security filters) and on every other path: the same answer. */
  static final class Filter extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      try {
        chain.doFilter(request, response);
      } catch (ServletException | RuntimeException e) {
        if (!causedBy(e) || response.isCommitted()) {
          throw e;
        }
        logger.warn("Database unreachable: answered 503 (" + e.getClass().getSimpleName() + ")");
        FhirErrorResponses.unavailable(request, response, RETRY_AFTER_SECONDS, MESSAGE);
      }
    }
  }
}
