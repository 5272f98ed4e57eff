/**
 * Implementation helpers shared by the SmartStack modules. Not API: anything here may change
 * without notice, and no API type depends on it.
 */
package dev.smartstack.discovery.core.internal;
