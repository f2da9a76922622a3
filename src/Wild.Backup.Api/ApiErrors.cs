using System.Text.Json;
using Wild.Backup.Core.Errors;

namespace Wild.Backup.Api;

/// <summary>The one place errors become HTTP responses: <c>{"error": "&lt;text&gt;", "code": "&lt;ErrorId&gt;"}</c> with the
/// status for the error's kind. <c>error</c> is the text, where the Wild Cloud daemon's clients read it (its
/// <c>respondError</c> writes <c>{"error": "&lt;text&gt;"}</c>: civil-society-dev/wild-cloud
/// <c>api/internal/api/v1/response.go</c>); <c>code</c> is the stable id our clients turn back into the same typed error.
/// (API 1.x answered <c>{"error": {"code", "message"}}</c>; see <see cref="OpenApiDocument.ApiVersion"/>.)
/// Never a stack trace, never a secret (engine messages hold none).</summary>
public static class ApiErrors
{
    public static int StatusOf(WildErrorKind kind) => kind switch
    {
        WildErrorKind.Invalid => StatusCodes.Status400BadRequest,
        WildErrorKind.NotFound => StatusCodes.Status404NotFound,
        WildErrorKind.Conflict => StatusCodes.Status409Conflict,
        WildErrorKind.Unreachable => StatusCodes.Status503ServiceUnavailable,
        WildErrorKind.NoSpace => StatusCodes.Status507InsufficientStorage,
        WildErrorKind.Corrupt => StatusCodes.Status422UnprocessableEntity,
        WildErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult From(WildBackupException ex) => Error(StatusOf(ex.Kind), ex.ErrorId, ex.Message);

    public static IResult Error(int status, string code, string message) =>
        Results.Json(new ErrorBody(message, code), Json, statusCode: status);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Served as application/json, never embedded in HTML: quotes in messages stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record ErrorBody(string Error, string Code);

    /// <summary>Turns anything an endpoint throws into the error body; unexpected exceptions become a 500 without details.</summary>
    public static async Task Middleware(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (WildBackupException ex) when (!context.Response.HasStarted)
        {
            await From(ex).ExecuteAsync(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var status = ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
            await Error(status, status == 413 ? "BodyTooLarge" : "BadRequest", status == 413 ? "The request body is too large." : "The request could not be read.").ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            context.RequestServices.GetRequiredService<ILogger<ApiServer>>().LogError("Unhandled {Type} on {Method} {Path}", ex.GetType().Name, context.Request.Method, context.Request.Path);
            await Error(StatusCodes.Status500InternalServerError, "InternalError", "Unexpected server error. See the server log.").ExecuteAsync(context);
        }
    }
}
