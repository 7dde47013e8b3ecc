using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using MQTTnet.Exceptions;
using Npgsql;

namespace TinyMLOps.Console.Commands.Common;

/// <summary>
/// Failures of a service the console depends on (the fleet store, the broker), not of the user's input: exit code 3
/// and one line, so a script can tell "try again later" from "fix the command".
/// </summary>
internal static class Unreachable
{
    /// <summary>The SQLite result code for a database file that cannot be opened.</summary>
    private const int SqliteCantOpen = 14;

    public static bool IsUnreachable(Exception e) => Flatten(e).Any(x => x is SocketException
        or NpgsqlException { InnerException: SocketException or TimeoutException or IOException }
        or MqttCommunicationException
        or SqliteException { SqliteErrorCode: SqliteCantOpen });

    /// <summary>The line to print: what could not be reached and why, from the innermost message that says it.</summary>
    public static string Describe(Exception e)
    {
        Exception cause = Flatten(e).First(IsServiceFailure);
        string what = cause switch
        {
            NpgsqlException or SocketException => "the PostgreSQL store is unreachable",
            SqliteException => "the SQLite store cannot be opened",
            MqttCommunicationException => "the MQTT broker is unreachable",
            _ => "a service is unreachable",
        };
        string detail = (cause.InnerException ?? cause).Message;
        return $"{what}: {detail}";
    }

    private static bool IsServiceFailure(Exception x) => x is NpgsqlException or SqliteException or MqttCommunicationException or SocketException;

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException)
        {
            if (x is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }

                yield break;
            }

            yield return x;
        }
    }
}
