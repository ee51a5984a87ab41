/// Realistic sample events, shaped as Moda sends them, for `moda-relay send` and smoke tests.
package enum SampleEvent {
    /// A current-shape event (`{id, type, created, api_version, data}`) of `type`.
    package static func current(type: String, id: String, createdISO8601: String) -> String {
        let task = "task_" + id.replacingFirst("evt_", with: "")
        var data = #""id":"\#(task)","kind":"design","request_id":"req_sample""#
        switch type {
        case "task.succeeded":
            data +=
                #","status":"succeeded","result":{"canvas_id":"cvs_sample","canvas_url":"https://moda.app/canvas/cvs_sample"}"#
        case "task.failed":
            data +=
                #","status":"failed","error":{"message":"The design could not be generated","request_id":"req_sample","retryable":false}"#
        case "task.canceled":
            data += #","status":"canceled""#
        case "export.succeeded":
            data += #","status":"succeeded","result":{"export_url":"https://moda.app/exports/exp_sample.pptx"}"#
        case "export.failed":
            data +=
                #","status":"failed","error":{"message":"Export failed","request_id":"req_sample","retryable":true}"#
        default:
            data += #","status":"unknown""#
        }
        return
            #"{"id":"\#(id)","type":"\#(type)","created":"\#(createdISO8601)","api_version":"2026-05-01","data":{\#(data)}}"#
    }

    /// A legacy jobs-API event (`{event, job_id, …}`) of `type` (`job.completed`, `job.failed`, `job.cancelled`).
    package static func legacy(type: String, jobID: String, timestampISO8601: String) -> String {
        let status: String
        let error: String
        switch type {
        case "job.failed":
            status = "failed"
            error = #""Generation failed""#
        case "job.cancelled":
            status = "cancelled"
            error = "null"
        default:
            status = "completed"
            error = "null"
        }
        return
            #"{"event":"\#(type)","job_id":"\#(jobID)","canvas_id":"cvs_sample","status":"\#(status)","task":"Create a modern SaaS landing page","ops_count":42,"timestamp":"\#(timestampISO8601)","attempt_count":1,"error":\#(error)}"#
    }
}

extension String {
    fileprivate func replacingFirst(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
