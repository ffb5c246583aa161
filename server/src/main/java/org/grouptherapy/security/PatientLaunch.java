package org.grouptherapy.security;

import jakarta.servlet.http.HttpSession;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.access.Role;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * SMART standalone launch with {@code launch/patient} for staff: a signed-in user who is not a
 * patient picks the patient on the server's own page ({@link PatientPickerController}); the choice
 * is kept in the sign-in session for that authorization request (client and state) and travels back
 * to the authorization endpoint as {@link #PARAMETER}, which is accepted only when it matches the
 * session (an app cannot name a patient itself). The token then carries {@code patient}, and the
 * user's patient/ scopes are their role's access within that patient's compartment.
 */
final class PatientLaunch {

  static final String PARAMETER = "launch_patient";
  static final String PICKER_PATH = "/launch/patient";
  private static final String SESSION_KEY = PatientLaunch.class.getName();

  private PatientLaunch() {}

  /** Users who pick a patient at launch: staff; a patient's own launch is their own record. */
  static boolean picks(Authentication user, Set<String> scopes) {
    return user != null
        && user.isAuthenticated()
        && scopes.contains(SmartTokenClaims.LAUNCH_PATIENT)
        && user.getAuthorities().stream()
            .map(GrantedAuthority::getAuthority)
            .anyMatch(a -> a.startsWith("ROLE_") && !a.equals("ROLE_" + Role.PATIENT.name()));
  }

  /**
   * Stores the choice by setting the attribute again: sessions live in PostgreSQL, and a change to
   * an object already in the session would not be saved.
   */
  static void remember(HttpSession session, String clientId, String state, String patientId) {
    HashMap<String, String> changed = new HashMap<>(choices(session));
    changed.put(key(clientId, state), patientId);
    session.setAttribute(SESSION_KEY, changed);
  }

  static Optional<String> picked(HttpSession session, String clientId, String state) {
    return session == null
        ? Optional.empty()
        : Optional.ofNullable(choices(session).get(key(clientId, state)));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> choices(HttpSession session) {
    synchronized (session) {
      Object map = session.getAttribute(SESSION_KEY);
      if (!(map instanceof Map<?, ?>)) {
        map = new HashMap<String, String>();
        session.setAttribute(SESSION_KEY, map);
      }
      return (Map<String, String>) map;
    }
  }

  private static String key(String clientId, String state) {
    return clientId + " " + (state == null ? "" : state);
  }
}
