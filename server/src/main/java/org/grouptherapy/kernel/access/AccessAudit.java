package org.grouptherapy.kernel.access;

import jakarta.servlet.http.HttpServletRequest;

/** Records accesses that do not go through the FHIR API in the audit trail. */
public interface AccessAudit {

  /**
   * A read of a calendar through its secret iCalendar feed URL (no token: the URL is the
   * credential), or a refused one (unknown or revoked URL: {@code actor} null).
   */
  void calendarFeed(HttpServletRequest request, String actor, int status);
}
