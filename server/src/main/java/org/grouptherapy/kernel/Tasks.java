package org.grouptherapy.kernel;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Instant;
import java.util.Date;
import java.util.Set;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Task;

/** Closing a work item the server opened for a person (a seat offer, a change request). */
public final class Tasks {

  private static final Set<Task.TaskStatus> CLOSED =
      Set.of(
          Task.TaskStatus.COMPLETED,
          Task.TaskStatus.CANCELLED,
          Task.TaskStatus.REJECTED,
          Task.TaskStatus.FAILED,
          Task.TaskStatus.ENTEREDINERROR);

  private Tasks() {}

  /**
   * Closes the Task with this status and reason ({@code why} may be null), stamped {@code now}. A
   * Task already closed stays as it is (whoever closed it first decided). Answers false when there
   * is no such Task.
   */
  public static boolean close(
      DaoRegistry daos,
      String taskId,
      Task.TaskStatus status,
      String why,
      Instant now,
      RequestDetails request) {
    IFhirResourceDao<Task> dao = daos.getResourceDao(Task.class);
    Task task;
    try {
      task = dao.read(new IdType(taskId), request);
    } catch (ResourceNotFoundException | ResourceGoneException e) {
      return false;
    }
    if (CLOSED.contains(task.getStatus())) {
      return true;
    }
    task.setStatus(status);
    if (why != null) {
      task.getStatusReason().setText(why);
    }
    task.setLastModified(Date.from(now));
    dao.update(task, request);
    return true;
  }
}
