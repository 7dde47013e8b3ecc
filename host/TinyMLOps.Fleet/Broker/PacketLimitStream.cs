namespace TinyMLOps.Fleet.Broker;

/// <summary>
/// A client's inbound byte stream, read through a parser of MQTT fixed headers: a packet whose remaining length
/// exceeds the limit fails the read that delivers its length, before MQTTnet's channel adapter allocates the body
/// (it allocates the whole announced length at once, so a 255 MiB CONNECT costs 255 MiB before any credential is checked).
/// Writes pass through.
/// </summary>
public sealed class PacketLimitStream : Stream
{
    private readonly Stream _inner;
    private readonly int _maxPacketBytes;
    private readonly Action<long> _onOversize;

    // Where the parser is: at a packet's type byte, inside its remaining-length varint, or inside its body.
    private int _state;
    private long _length;
    private int _shift;
    private long _bodyLeft;

    public PacketLimitStream(Stream inner, int maxPacketBytes, Action<long> onOversize)
    {
        _inner = inner;
        _maxPacketBytes = maxPacketBytes;
        _onOversize = onOversize;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => _inner.CanWrite;

    public override long Length => throw new InvalidOperationException("a network stream has no length");

    public override long Position
    {
        get => throw new InvalidOperationException("a network stream has no position");
        set => throw new InvalidOperationException("a network stream has no position");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = _inner.Read(buffer, offset, count);
        Inspect(buffer.AsSpan(offset, n));
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => _inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new InvalidOperationException("a network stream cannot seek");

    public override void SetLength(long value) => throw new InvalidOperationException("a network stream has no length");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length)
        {
            switch (_state)
            {
                case 0:
                    // The type byte; the remaining length follows.
                    i++;
                    _state = 1;
                    _length = 0;
                    _shift = 0;
                    break;
                case 1:
                    byte b = bytes[i++];
                    _length |= (long)(b & 0x7F) << _shift;
                    _shift += 7;
                    if ((b & 0x80) != 0)
                    {
                        if (_shift >= 28)
                        {
                            throw new IOException("malformed MQTT remaining length");
                        }

                        break;
                    }

                    if (_length > _maxPacketBytes)
                    {
                        _onOversize(_length);
                        throw new IOException($"MQTT packet of {_length} bytes exceeds the broker's limit of {_maxPacketBytes}");
                    }

                    _bodyLeft = _length;
                    _state = _bodyLeft == 0 ? 0 : 2;
                    break;
                default:
                    long take = Math.Min(_bodyLeft, bytes.Length - i);
                    i += (int)take;
                    _bodyLeft -= take;
                    if (_bodyLeft == 0)
                    {
                        _state = 0;
                    }

                    break;
            }
        }
    }
}
