package org.grouptherapy.fhir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.orm.jpa.JpaSystemException;

/**
 * A lost database connection is a 503 with Retry-After and an OperationOutcome; anything else
 * passes through untouched. (The scale-out harness, bench/run-scale-out, shows it end to end: a
 * PostgreSQL restart under traffic.)
 */
class DatabaseUnavailableTest {

  @Test
  void connectionFailuresAreRecognisedThroughTheirCauses() {
    assertThat(
            DatabaseUnavailable.causedBy(
                new DataAccessResourceFailureException(
                    "StatementCallback", new SQLException("terminating connection", "57P01"))))
        .isTrue();
    // HAPI's wrapping of a rollback on a closed connection.
    assertThat(
            DatabaseUnavailable.causedBy(
                new JpaSystemException(
                    new RuntimeException(
                        "Unable to rollback",
                        new SQLException("This connection has been closed.", "08003")))))
        .isTrue();
    // The pool closed the broken connection under the request; the rollback meets it.
    assertThat(
            DatabaseUnavailable.causedBy(
                new JpaSystemException(
                    new org.hibernate.TransactionException(
                        "Unable to rollback against JDBC Connection",
                        new SQLException("Connection is closed")))))
        .isTrue();
    assertThat(
            DatabaseUnavailable.causedBy(
                new DataIntegrityViolationException(
                    "duplicate key", new SQLException("duplicate key", "23505"))))
        .isFalse();
    assertThat(DatabaseUnavailable.causedBy(new IllegalStateException("a bug"))).isFalse();
  }

  @Test
  void aLostConnectionBeforeHapiIsA503OperationOutcome() throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/fhir/Patient/1");
    MockHttpServletResponse response = new MockHttpServletResponse();
    new DatabaseUnavailable.Filter()
        .doFilter(
            request,
            response,
            new MockFilterChain() {
              @Override
              public void doFilter(
                  jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse res) {
                throw new DataAccessResourceFailureException(
                    "SELECT … FROM gt.revoked_token",
                    new SQLException(
                        "terminating connection due to administrator command", "57P01"));
              }
            });
    assertThat(response.getStatus()).isEqualTo(503);
    assertThat(response.getHeader("Retry-After")).isEqualTo("5");
    assertThat(response.getContentType()).startsWith("application/fhir+json");
    assertThat(response.getContentAsString())
        .contains("\"resourceType\":\"OperationOutcome\"")
        .contains("\"code\":\"transient\"")
        .contains("cannot be reached")
        .doesNotContain("revoked_token");
  }

  @Test
  void otherFailuresPassThrough() {
    MockHttpServletResponse response = new MockHttpServletResponse();
    assertThatThrownBy(
            () ->
                new DatabaseUnavailable.Filter()
                    .doFilter(
                        new MockHttpServletRequest("GET", "/fhir/Patient/1"),
                        response,
                        new MockFilterChain() {
                          @Override
                          public void doFilter(
                              jakarta.servlet.ServletRequest req,
                              jakarta.servlet.ServletResponse res) {
                            throw new IllegalStateException("a bug");
                          }
                        }))
        .isInstanceOf(IllegalStateException.class);
  }
}
