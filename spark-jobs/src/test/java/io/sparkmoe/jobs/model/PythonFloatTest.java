package io.sparkmoe.jobs.model;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PythonFloatTest {

    /** (the double as a hex literal, what Python 3's json.dumps writes for it), computed with Python. */
    private static final String[][] PYTHON = {
                {"0x0.0p+0", "0.0"},
                {"-0x0.0p+0", "-0.0"},
                {"0x1.0000000000000p+0", "1.0"},
                {"-0x1.0000000000000p+0", "-1.0"},
                {"0x1.999999999999ap-4", "0.1"},
                {"0x1.4f8b588e368f1p-17", "1e-05"},
                {"0x1.f75104d551d69p-17", "1.5e-05"},
                {"0x1.a36e2eb1c432dp-14", "0.0001"},
                {"0x1.02e4b6ce5dc68p-13", "0.00012345"},
                {"0x1.d6f3454000000p+26", "123456789.0"},
                {"0x1.1c37937e08000p+53", "1e+16"},
                {"0x1.5eddb25e04800p+53", "1.2345e+16"},
                {"0x1.1c37937e07fffp+53", "9999999999999998.0"},
                {"0x1.0f0cf064dd592p+73", "1e+22"},
                {"0x1.56e1fc2f8f359p-997", "1e-300"},
                {"0x0.0000000000001p-1022", "5e-324"},
                {"0x0.0000000000003p-1022", "1.5e-323"},
                {"0x1.fffffe0000000p+127", "3.4028234663852886e+38"},
                {"0x1.0000000000000p-126", "1.1754943508222875e-38"},
                {"0x1.0000000000000p+60", "1.152921504606847e+18"},
                {"0x1.0000000000000p-20", "9.5367431640625e-07"},
                {"0x1.9000000000000p+6", "100.0"},
                {"0x1.34a0000000000p+10", "1234.5"},
                {"-0x1.853b3dc3afedap-21", "-7.25e-07"},
                {"0x1.0000000000000p-1022", "2.2250738585072014e-308"},
                {"0x1.52d02c7e14af6p+76", "1e+23"},
                {"0x1.c7e83209e90b2p+72", "8.41e+21"},
                {"0x1.a36e2eb1c432dp-15", "5e-05"},
                {"0x1.0624dd2f1a9fcp-10", "0.001"},
                {"-0x1.89083a0000000p-1", "-0.7676408886909485"},
                {"0x1.88c7860000000p+0", "1.5342944860458374"},
                {"-0x1.5b48a20000000p-1", "-0.6782885193824768"},
                {"-0x1.e3f1f20000000p-1", "-0.9452052712440491"},
                {"-0x1.6520820000000p+1", "-2.7900545597076416"},
                {"-0x1.47a1be0000000p-1", "-0.6399058699607849"},
                {"0x1.aaf9ee0000000p+1", "3.335752248764038"},
                {"0x1.45bea20000000p+0", "1.2724400758743286"},
                {"0x1.8e295c0000000p+1", "3.1106371879577637"},
                {"0x1.7e50880000000p-1", "0.7467081546783447"},
                {"0x1.2f2ede0000000p+0", "1.1843088865280151"},
                {"0x1.1ca9680000000p-1", "0.5559799671173096"},
                {"-0x1.1784d80000000p-16", "-1.6660625988151878e-05"},
                {"0x1.5e4f900000000p-4", "0.08552509546279907"},
                {"-0x1.833ba00000000p-24", "-9.015968771564076e-08"},
                {"-0x1.2e68200000000p+13", "-9677.015625"},
                {"0x1.1a377e0000000p-14", "6.728572043357417e-05"},
                {"0x1.15626c0000000p+1", "2.1670660972595215"}
    };

    @Test
    void writesWhatPythonWrites() {
        for (String[] row : PYTHON) {
            double v = Double.parseDouble(row[0]);
            assertEquals(row[1], PythonFloat.repr(v), row[0]);
        }
    }

    @Test
    void specialValuesAsJsonDumpsWritesThem() {
        assertEquals("NaN", PythonFloat.repr(Double.NaN));
        assertEquals("Infinity", PythonFloat.repr(Double.POSITIVE_INFINITY));
        assertEquals("-Infinity", PythonFloat.repr(Double.NEGATIVE_INFINITY));
    }

    @Test
    void everyTextReadsBackToItsDoubleAndIsNoLongerThanJavas() {
        Random random = new Random(11);
        for (int i = 0; i < 200_000; i++) {
            double v = i % 2 == 0 ? (double) Float.intBitsToFloat(random.nextInt())
                    : Double.longBitsToDouble(random.nextLong());
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                continue;
            }
            String text = PythonFloat.repr(v);
            assertEquals(v, Double.parseDouble(text), text);
            assertEquals(true, digits(text) <= digits(Double.toString(v)), text + " vs " + v);
        }
    }

    private static int digits(String text) {
        String mantissa = text.split("[eE]")[0].replace("-", "").replace(".", "").replaceAll("^0+", "");
        return mantissa.replaceAll("0+$", "").length();
    }
}
