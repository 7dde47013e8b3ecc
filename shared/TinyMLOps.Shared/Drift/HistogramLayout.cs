using System;

namespace TinyMLOps.Shared.Drift
{
    /// <summary>
    /// The bin layout of the drift histograms (docs/model-format.md, drift profile): input feature groups of B bins over
    /// the quantized int8 input, C predicted-class bins and K top-1 confidence bins. The device's monitor and the
    /// host's profile builder both fill histograms through <see cref="AddInput"/> and <see cref="AddOutcome"/>, so a
    /// reference and a window can never disagree on which bin a value goes to.
    /// </summary>
    public sealed class HistogramLayout
    {
        /// <summary>Groups are the cells of a grid over the H x W input; every channel of a pixel goes to its cell.</summary>
        public const int KindImageRegions = 1;

        /// <summary>One group per input channel (sensor data).</summary>
        public const int KindPerChannel = 2;

        public const int DefaultGrid = 4;
        public const int DefaultInputBins = 16;
        public const int DefaultConfidenceBins = 10;
        public const int MinBins = 2;
        public const int MaxBins = 64;
        public const int MaxGroups = 256;
        public const int MaxClasses = 2048;

        /// <summary>Bins of the grid rows: region row times grid width, per input row (kind 1; zeros for kind 2).</summary>
        private readonly int[] _rowBase;

        /// <summary>Region column per input column (kind 1).</summary>
        private readonly int[] _column;

        /// <summary>Input element indexes ordered by group, and where each group starts (Groups + 1 entries), for sampling.</summary>
        private int[] _members;
        private int[] _memberStart;

        /// <exception cref="ArgumentException">A size is outside the format's limits or the grid does not fit the input.</exception>
        public HistogramLayout(int groupKind, int gridH, int gridW, int inputBins, int classes, int confidenceBins, int inputH, int inputW, int inputC)
        {
            if (inputH < 1 || inputW < 1 || inputC < 1)
            {
                throw new ArgumentException("input shape " + inputH + "x" + inputW + "x" + inputC);
            }

            if (groupKind == KindImageRegions)
            {
                if (gridH < 1 || gridW < 1 || gridH > inputH || gridW > inputW || gridH * gridW > MaxGroups)
                {
                    throw new ArgumentException("grid " + gridH + "x" + gridW + " does not fit a " + inputH + "x" + inputW + " input");
                }

                Groups = gridH * gridW;
            }
            else if (groupKind == KindPerChannel)
            {
                if (gridH != 0 || gridW != 0 || inputC > MaxGroups)
                {
                    throw new ArgumentException("per-channel groups take grid 0x0 and at most " + MaxGroups + " channels");
                }

                Groups = inputC;
            }
            else
            {
                throw new ArgumentException("unknown group kind " + groupKind);
            }

            CheckBins(inputBins, "input bins");
            CheckBins(confidenceBins, "confidence bins");
            if (classes < 1 || classes > MaxClasses)
            {
                throw new ArgumentException("class count " + classes + " outside 1.." + MaxClasses);
            }

            GroupKind = groupKind;
            GridH = gridH;
            GridW = gridW;
            InputBins = inputBins;
            Classes = classes;
            ConfidenceBins = confidenceBins;
            InputH = inputH;
            InputW = inputW;
            InputC = inputC;
            _rowBase = new int[inputH];
            _column = new int[inputW];
            MaxGroupElements = inputH * inputW;
            if (groupKind == KindImageRegions)
            {
                int[] rows = new int[gridH];
                int[] columns = new int[gridW];
                for (int y = 0; y < inputH; y++)
                {
                    rows[y * gridH / inputH]++;
                    _rowBase[y] = (y * gridH / inputH) * gridW;
                }

                for (int x = 0; x < inputW; x++)
                {
                    columns[x * gridW / inputW]++;
                    _column[x] = x * gridW / inputW;
                }

                MaxGroupElements = Largest(rows) * Largest(columns) * inputC;
            }
        }

        /// <summary>
        /// Counts one element drawn at random from each input group of a raw sample (quantized through the 256-entry
        /// table), so a sample adds exactly one count per group: the sensitivity the upload noise is scaled for
        /// (<see cref="DriftMath.NoiseScale"/>). Each group's histogram stays an unbiased estimate of its value mix.
        /// </summary>
        public void AddSampledPixels(uint[] counts, byte[] raw, int offset, sbyte[] pixelToInput, Random random)
        {
            if (offset < 0 || offset > raw.Length - InputElements || pixelToInput.Length != 256)
            {
                throw new ArgumentException("raw input at " + offset + " needs " + InputElements + " values and a 256-entry table");
            }

            Sample(counts, null, raw, pixelToInput, offset, random);
        }

        /// <summary>Like <see cref="AddSampledPixels"/> for an already quantized input.</summary>
        public void AddSampledInput(uint[] counts, sbyte[] input, int offset, int length, Random random)
        {
            if (length != InputElements || offset < 0 || offset > input.Length - length)
            {
                throw new ArgumentException("input of " + length + " values at " + offset + ", the layout needs " + InputElements);
            }

            Sample(counts, input, null, null, offset, random);
        }

        private void Sample(uint[] counts, sbyte[] input, byte[] raw, sbyte[] table, int offset, Random random)
        {
            BuildMembers();
            int bins = InputBins;
            for (int g = 0; g < Groups; g++)
            {
                int start = _memberStart[g];
                int element = offset + _members[start + random.Next(_memberStart[g + 1] - start)];
                int q = input != null ? input[element] : table[raw[element]];
                counts[(g * bins) + ((q + 128) * bins / 256)]++;
            }
        }

        // Allocated on first use (the device's monitor calls it at construction), never per sample.
        private void BuildMembers()
        {
            if (_members != null)
            {
                return;
            }

            int n = InputElements;
            int[] groupOf = new int[n];
            int[] start = new int[Groups + 1];
            for (int i = 0; i < n; i++)
            {
                int pixel = i / InputC;
                int g = GroupKind == KindPerChannel ? i % InputC : _rowBase[pixel / InputW] + _column[pixel % InputW];
                groupOf[i] = g;
                start[g + 1]++;
            }

            for (int g = 0; g < Groups; g++)
            {
                start[g + 1] += start[g];
            }

            int[] next = new int[Groups];
            int[] members = new int[n];
            for (int i = 0; i < n; i++)
            {
                int g = groupOf[i];
                members[start[g] + next[g]] = i;
                next[g]++;
            }

            _memberStart = start;
            _members = members;
        }

        /// <summary>Prepares <see cref="AddSampledPixels"/> so that no call allocates.</summary>
        public void PrepareSampling()
        {
            BuildMembers();
        }

        public int GroupKind { get; private set; }

        public int GridH { get; private set; }

        public int GridW { get; private set; }

        /// <summary>B: bins per input group.</summary>
        public int InputBins { get; private set; }

        /// <summary>F: input feature groups.</summary>
        public int Groups { get; private set; }

        /// <summary>C: predicted-class bins.</summary>
        public int Classes { get; private set; }

        /// <summary>K: top-1 confidence bins.</summary>
        public int ConfidenceBins { get; private set; }

        public int InputH { get; private set; }

        public int InputW { get; private set; }

        public int InputC { get; private set; }

        /// <summary>F * B, the length of the input counts (group-major).</summary>
        public int InputCells
        {
            get { return Groups * InputBins; }
        }

        /// <summary>The most counts one input adds to one group (the largest region times the channels, or H * W).</summary>
        public int MaxGroupElements { get; private set; }

        public int InputElements
        {
            get { return InputH * InputW * InputC; }
        }

        /// <summary>The layout of a profile for a model input of the given shape.</summary>
        /// <exception cref="ArgumentException">The profile's groups do not fit that input.</exception>
        public static HistogramLayout ForProfile(DriftProfile profile, int inputH, int inputW, int inputC)
        {
            HistogramLayout layout = new HistogramLayout(profile.GroupKind, profile.GridH, profile.GridW, profile.InputBins, profile.Classes, profile.ConfidenceBins, inputH, inputW, inputC);
            if (layout.Groups != profile.Groups)
            {
                throw new ArgumentException("profile has " + profile.Groups + " input groups, the input makes " + layout.Groups);
            }

            return layout;
        }

        /// <summary>bin = (q + 128) * B / 256 for a quantized input q in [-128, 127].</summary>
        public static int InputBin(int q, int bins)
        {
            return (q + 128) * bins / 256;
        }

        /// <summary>bin = min(K - 1, confidence * K / 65536) for a confidence in 1/65535 (clamped to 0..65535).</summary>
        public static int ConfidenceBin(int confidence, int bins)
        {
            if (confidence < 0)
            {
                confidence = 0;
            }
            else if (confidence > 65535)
            {
                confidence = 65535;
            }

            int bin = (int)((long)confidence * bins / 65536);
            return bin < bins - 1 ? bin : bins - 1;
        }

        /// <summary>The region of pixel (y, x): (y * gridH / H) * gridW + (x * gridW / W).</summary>
        public static int Region(int y, int x, int inputH, int inputW, int gridH, int gridW)
        {
            return ((y * gridH / inputH) * gridW) + (x * gridW / inputW);
        }

        /// <summary>An empty profile of this layout (counts zero, default alarm threshold).</summary>
        public DriftProfile NewProfile()
        {
            DriftProfile p = new DriftProfile();
            p.GroupKind = GroupKind;
            p.GridH = GridH;
            p.GridW = GridW;
            p.InputBins = InputBins;
            p.Groups = Groups;
            p.Classes = Classes;
            p.ConfidenceBins = ConfidenceBins;
            p.InputCounts = new uint[InputCells];
            p.ClassCounts = new uint[Classes];
            p.ConfidenceCounts = new uint[ConfidenceBins];
            return p;
        }

        /// <summary>
        /// Counts every element of one quantized HWC input (length H * W * C) into its group's bin of
        /// <paramref name="counts"/> (length F * B, group-major). Allocates nothing.
        /// </summary>
        public void AddInput(uint[] counts, sbyte[] input, int offset, int length)
        {
            if (length != InputElements || offset < 0 || offset > input.Length - length)
            {
                throw new ArgumentException("input of " + length + " values at " + offset + ", the layout needs " + InputElements);
            }

            Add(counts, input, null, null, offset);
        }

        /// <summary>
        /// Like <see cref="AddInput"/> for raw 8-bit values (H * W * C of them at <paramref name="offset"/>), each
        /// quantized through <paramref name="pixelToInput"/> (256 entries, as the interpreter's input table).
        /// </summary>
        public void AddPixels(uint[] counts, byte[] raw, int offset, sbyte[] pixelToInput)
        {
            if (offset < 0 || offset > raw.Length - InputElements || pixelToInput.Length != 256)
            {
                throw new ArgumentException("raw input at " + offset + " needs " + InputElements + " values and a 256-entry table");
            }

            Add(counts, null, raw, pixelToInput, offset);
        }

        /// <summary>Counts a predicted class (0..C-1) and a top-1 confidence in 1/65535.</summary>
        public void AddOutcome(uint[] classCounts, uint[] confidenceCounts, int predictedClass, int confidence)
        {
            if (predictedClass < 0 || predictedClass >= Classes)
            {
                throw new ArgumentOutOfRangeException("predictedClass", "class " + predictedClass + " outside 0.." + (Classes - 1));
            }

            classCounts[predictedClass]++;
            confidenceCounts[ConfidenceBin(confidence, ConfidenceBins)]++;
        }

        /// <summary>Adds one sample to a profile of this layout (the host's reference builder).</summary>
        public void AddSample(DriftProfile profile, sbyte[] input, int offset, int length, int predictedClass, int confidence)
        {
            AddInput(profile.InputCounts, input, offset, length);
            AddOutcome(profile.ClassCounts, profile.ConfidenceCounts, predictedClass, confidence);
            profile.SampleCount++;
        }

        /// <summary>One loop for quantized and raw input: the value is input[i], or table[raw[i]] when input is null.</summary>
        private void Add(uint[] counts, sbyte[] input, byte[] raw, sbyte[] table, int offset)
        {
            int bins = InputBins;
            int c = InputC;
            int i = offset;
            if (GroupKind == KindPerChannel)
            {
                int end = offset + InputElements;
                while (i < end)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        int q = input != null ? input[i] : table[raw[i]];
                        counts[(ch * bins) + ((q + 128) * bins / 256)]++;
                        i++;
                    }
                }

                return;
            }

            for (int y = 0; y < InputH; y++)
            {
                int rowBase = _rowBase[y];
                for (int x = 0; x < InputW; x++)
                {
                    int groupBase = (rowBase + _column[x]) * bins;
                    for (int ch = 0; ch < c; ch++)
                    {
                        int q = input != null ? input[i] : table[raw[i]];
                        counts[groupBase + ((q + 128) * bins / 256)]++;
                        i++;
                    }
                }
            }
        }

        private static int Largest(int[] values)
        {
            int max = 0;
            for (int i = 0; i < values.Length; i++)
            {
                max = values[i] > max ? values[i] : max;
            }

            return max;
        }

        private static void CheckBins(int bins, string what)
        {
            if (bins < MinBins || bins > MaxBins)
            {
                throw new ArgumentException(what + " " + bins + " outside " + MinBins + ".." + MaxBins);
            }
        }
    }
}
