package org.grouptherapy.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.ModelAndView;

/**
 * The patient picker of the SMART standalone launch ({@link PatientLaunch}): the signed-in user
 * sees the patients they may open (a therapist their caseload; a VA, biller or administrator any
 * patient, found by name), picks one, and goes back to the authorization endpoint. Every listing
 * and pick is audited.
 */
@Controller
class PatientPickerController {

  private static final int SHOWN = 25;
  private static final int CASELOAD_READ_LIMIT = 500;
  private static final Set<Role> ANY_PATIENT = EnumSet.of(Role.VA, Role.BILLER, Role.ADMIN);

  private final DaoRegistry daos;
  private final TherapistCaseload caseload;
  private final ObjectProvider<UserDirectory> directory;
  private final AuditTrail audit;

  PatientPickerController(
      DaoRegistry daos,
      TherapistCaseload caseload,
      ObjectProvider<UserDirectory> directory,
      AuditTrail audit) {
    this.daos = daos;
    this.caseload = caseload;
    this.directory = directory;
    this.audit = audit;
  }

  /** A patient as the picker lists them. */
  record Choice(String id, String label) {}

  @GetMapping(PatientLaunch.PICKER_PATH)
  ModelAndView page(
      @RequestParam String authorize,
      @RequestParam(required = false) String q,
      Authentication user,
      HttpServletRequest request) {
    Map<String, String> authorization = parse(authorize);
    if (authorization.get("client_id") == null) {
      return problem(HttpStatus.BAD_REQUEST, "This page is part of an app's sign-in; start again.");
    }
    SmartAccess who = access(user, authorization.get("client_id"));
    List<Patient> patients = choices(who, q);
    audit.patientPicker(
        request, who, null, 200, "SMART launch patient picker: " + patients.size() + " shown");
    ModelAndView page = new ModelAndView("patient-picker");
    page.addObject("client", authorization.get("client_id"));
    page.addObject("authorize", authorize);
    page.addObject("q", q == null ? "" : q);
    page.addObject(
        "patients",
        patients.stream()
            .map(
                p ->
                    new Choice(
                        p.getIdElement().getIdPart(),
                        name(p)
                            + (p.hasBirthDate()
                                ? " (born " + p.getBirthDateElement().getValueAsString() + ")"
                                : "")))
            .toList());
    return page;
  }

  @PostMapping(PatientLaunch.PICKER_PATH)
  Object pick(
      @RequestParam String authorize,
      @RequestParam String patient,
      Authentication user,
      HttpServletRequest request) {
    Map<String, String> authorization = parse(authorize);
    String clientId = authorization.get("client_id");
    if (clientId == null || authorization.get("response_type") == null) {
      return problem(HttpStatus.BAD_REQUEST, "This page is part of an app's sign-in; start again.");
    }
    SmartAccess who = access(user, clientId);
    if (!mayOpen(who, patient)) {
      audit.patientPicker(
          request, who, "Patient/" + patient, 403, "SMART launch patient pick refused");
      return problem(
          HttpStatus.FORBIDDEN, "You may not open that patient's record. Choose another.");
    }
    PatientLaunch.remember(request.getSession(), clientId, authorization.get("state"), patient);
    audit.patientPicker(
        request, who, "Patient/" + patient, 200, "SMART launch patient picked for " + clientId);
    // Rebuilt from the parsed parameters: always this server's own endpoint, never more.
    StringBuilder back = new StringBuilder(request.getContextPath()).append("/oauth2/authorize?");
    authorization.remove(PatientLaunch.PARAMETER);
    authorization.put(PatientLaunch.PARAMETER, patient);
    authorization.forEach(
        (name, value) ->
            back.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8))
                .append('&'));
    back.setLength(back.length() - 1);
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", back.toString()).build();
  }

  /** The patients this user may open, those whose name matches {@code q} first, at most 25. */
  List<Patient> choices(SmartAccess who, String q) {
    String query = q == null ? "" : q.trim().toLowerCase(Locale.ROOT);
    if (who.roles().stream().anyMatch(ANY_PATIENT::contains)) {
      SearchParameterMap search = SearchParameterMap.newSynchronous();
      if (!query.isEmpty()) {
        search.add(Patient.SP_NAME, new StringParam(query));
      }
      search.setCount(SHOWN);
      search.setSort(new SortSpec(Patient.SP_FAMILY).setChain(new SortSpec(Patient.SP_GIVEN)));
      List<Patient> found = new ArrayList<>();
      daos.getResourceDao(Patient.class)
          .searchForResources(search, new SystemRequestDetails())
          .forEach(r -> found.add((Patient) r));
      return found.size() > SHOWN ? found.subList(0, SHOWN) : found;
    }
    if (who.roles().contains(Role.THERAPIST) && who.fhirUser() != null) {
      List<Patient> own = new ArrayList<>();
      for (IIdType id : caseload.patientsOf(who.fhirUser())) {
        if (own.size() >= CASELOAD_READ_LIMIT) {
          break;
        }
        read(id.getIdPart()).ifPresent(own::add);
      }
      return own.stream()
          .filter(p -> query.isEmpty() || name(p).toLowerCase(Locale.ROOT).contains(query))
          .sorted(Comparator.comparing(PatientPickerController::name))
          .limit(SHOWN)
          .toList();
    }
    return List.of();
  }

  boolean mayOpen(SmartAccess who, String patientId) {
    if (read(patientId).isEmpty()) {
      return false;
    }
    if (who.roles().stream().anyMatch(ANY_PATIENT::contains)) {
      return true;
    }
    return who.roles().contains(Role.THERAPIST)
        && who.fhirUser() != null
        && caseload.patientsOf(who.fhirUser()).contains(new IdType("Patient", patientId));
  }

  private Optional<Patient> read(String id) {
    try {
      return Optional.of(
          daos.getResourceDao(Patient.class)
              .read(new IdType("Patient", id), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  SmartAccess access(Authentication user, String clientId) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (GrantedAuthority authority : user.getAuthorities()) {
      String name = authority.getAuthority();
      if (name.startsWith("ROLE_")) {
        Role.fromClaim(name.substring("ROLE_".length())).ifPresent(roles::add);
      }
    }
    String fhirUser =
        directory.getIfAvailable(() -> UserDirectory.NONE).fhirUser(user.getName()).orElse(null);
    return new SmartAccess(user.getName(), clientId, fhirUser, null, roles, List.of());
  }

  private static String name(Patient patient) {
    if (!patient.hasName()) {
      return "(no name) " + patient.getIdElement().getIdPart();
    }
    var name = patient.getNameFirstRep();
    String given = String.join(" ", name.getGiven().stream().map(g -> g.getValue()).toList());
    return (name.getFamily() == null ? "" : name.getFamily())
        + (given.isEmpty() ? "" : ", " + given);
  }

  /** The parameters of the authorization request, decoded. */
  static Map<String, String> parse(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.putIfAbsent(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  static ModelAndView problem(HttpStatus status, String message) {
    ModelAndView page = new ModelAndView("message", status);
    page.addObject("title", status == HttpStatus.FORBIDDEN ? "Not allowed" : "Start again");
    page.addObject("message", message);
    return page;
  }
}
