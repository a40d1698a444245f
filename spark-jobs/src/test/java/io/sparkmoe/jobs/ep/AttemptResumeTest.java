package io.sparkmoe.jobs.ep;

import io.sparkmoe.conf.CheckpointConfig;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AttemptResumeTest {

    static final String NEWEST = "hdfs://nn:8020/ckpt/r1/step-00000010";
    static final String FIXED = "hdfs://nn:8020/ckpt/r0/step-00000005";

    @Test
    void theFirstAttemptFollowsTrainResume() {
        assertEquals(CheckpointConfig.NONE, AttemptResume.resumeFor(0, CheckpointConfig.NONE, Optional.of(NEWEST)));
        assertEquals(FIXED, AttemptResume.resumeFor(0, FIXED, Optional.of(NEWEST)));
        assertEquals(CheckpointConfig.LATEST, AttemptResume.resumeFor(0, CheckpointConfig.LATEST, Optional.empty()));
    }

    @Test
    void aRerunTakesTheNewestCommittedCheckpointWhateverTrainResumeSaid() {
        assertEquals(NEWEST, AttemptResume.resumeFor(1, CheckpointConfig.NONE, Optional.of(NEWEST)));
        assertEquals(NEWEST, AttemptResume.resumeFor(1, FIXED, Optional.of(NEWEST)));
        assertEquals(NEWEST, AttemptResume.resumeFor(3, CheckpointConfig.LATEST, Optional.of(NEWEST)));
    }

    @Test
    void aRerunBeforeAnyCommitStartsWhereTheFirstAttemptDid() {
        assertEquals(CheckpointConfig.NONE, AttemptResume.resumeFor(1, CheckpointConfig.NONE, Optional.empty()));
        assertEquals(FIXED, AttemptResume.resumeFor(2, FIXED, Optional.empty()));
    }

    @Test
    void theResumeEventNamesTheCheckpointsStep() {
        assertEquals(10, AttemptResume.stepOf(NEWEST));
        assertEquals(10, AttemptResume.stepOf(NEWEST + "/"));
        assertEquals(0, AttemptResume.stepOf(CheckpointConfig.NONE));
    }
}
